CREATE DOMAIN positive_int AS INTEGER CHECK (VALUE > 0);
CREATE DOMAIN email AS TEXT;
CREATE TABLE accounts (id SERIAL PRIMARY KEY, balance positive_int NOT NULL, contact email, plain positive_int);
