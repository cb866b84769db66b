CREATE SCHEMA inventory;
CREATE TYPE inventory.state AS ENUM ('new', 'used');
CREATE TABLE inventory.items (id SERIAL PRIMARY KEY, name TEXT NOT NULL, state inventory.state);
CREATE TABLE inventory.stock (id SERIAL PRIMARY KEY, item_id INTEGER NOT NULL REFERENCES inventory.items(id), count INTEGER NOT NULL);
CREATE TABLE public.unrelated (id SERIAL PRIMARY KEY);
