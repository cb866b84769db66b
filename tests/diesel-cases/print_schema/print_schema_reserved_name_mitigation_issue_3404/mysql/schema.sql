CREATE TABLE reserved_names_columns
(
    id          INTEGER PRIMARY KEY,
    is_nullable BOOLEAN
);
