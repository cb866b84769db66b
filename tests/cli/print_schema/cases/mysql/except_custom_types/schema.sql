CREATE TABLE shirts (id INTEGER PRIMARY KEY, size ENUM('s','m','l') NOT NULL, made YEAR);
