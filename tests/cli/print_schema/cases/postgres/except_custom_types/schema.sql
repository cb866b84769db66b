CREATE TYPE color AS ENUM ('red', 'green');
CREATE TYPE size AS ENUM ('s', 'm');
CREATE TABLE shirts (id SERIAL PRIMARY KEY, color color NOT NULL, size size);
