CREATE TYPE mood AS ENUM ('a', 'b');
CREATE TABLE things (id SERIAL PRIMARY KEY, name TEXT NOT NULL, mood mood);
