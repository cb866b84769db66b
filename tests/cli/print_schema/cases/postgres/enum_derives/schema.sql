CREATE TYPE color AS ENUM ('red', 'green');
CREATE TABLE paints (id SERIAL PRIMARY KEY, color color NOT NULL);
