CREATE TABLE things (id INTEGER PRIMARY KEY, size ENUM('a','b'), name TEXT NOT NULL);
