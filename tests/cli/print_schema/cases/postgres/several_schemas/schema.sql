CREATE SCHEMA billing;
CREATE SCHEMA "Odd Schema";
CREATE TABLE users (id SERIAL PRIMARY KEY, name TEXT);
CREATE TABLE billing.invoices (id SERIAL PRIMARY KEY, user_id INTEGER REFERENCES public.users(id), total NUMERIC NOT NULL);
CREATE TABLE billing.lines (id SERIAL PRIMARY KEY, invoice_id INTEGER NOT NULL REFERENCES billing.invoices(id));
CREATE TABLE "Odd Schema".things (id SERIAL PRIMARY KEY);
