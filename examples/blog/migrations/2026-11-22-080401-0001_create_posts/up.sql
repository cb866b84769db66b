CREATE TABLE posts (
    id INTEGER PRIMARY KEY NOT NULL,
    author_id INTEGER NOT NULL REFERENCES authors (id),
    title TEXT NOT NULL
);
CREATE INDEX posts_author_id ON posts (author_id);
