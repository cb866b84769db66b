CREATE TABLE shirts (id INTEGER PRIMARY KEY, size ENUM('s','m','l') NOT NULL, color ENUM('red','blue'), tags SET('a','b'));
CREATE TABLE pants (id INTEGER PRIMARY KEY, size ENUM('s','m') NOT NULL);
