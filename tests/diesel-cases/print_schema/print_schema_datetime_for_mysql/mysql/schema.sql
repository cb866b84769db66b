CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    datetime DATETIME NOT NULL,
    nullable_datetime DATETIME
);
