CREATE TABLE "User Accounts" (id SERIAL PRIMARY KEY, "type" TEXT, "User Accounts" TEXT, "1st" INTEGER, "has-dash" TEXT, "CamelCase" TEXT, "quote""d" TEXT);
CREATE TABLE "table" (id SERIAL PRIMARY KEY, "self" TEXT, "is_nullable" BOOLEAN);
CREATE TABLE __hidden (id SERIAL PRIMARY KEY);
