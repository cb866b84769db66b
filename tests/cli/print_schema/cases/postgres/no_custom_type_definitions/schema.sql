CREATE TYPE color AS ENUM ('red', 'green');
CREATE TABLE shirts (id SERIAL PRIMARY KEY, color color NOT NULL, x XML);
