CREATE TABLE "User" (
    id integer PRIMARY KEY NOT NULL
);
