CREATE SCHEMA "odd
schema";
CREATE TYPE "odd
schema"."my
type" AS ENUM ('a', 'b');
CREATE TYPE "odd
schema"."Ünïcode" AS ENUM ('x');
CREATE TABLE "odd
schema"."1st table" (
  id SERIAL PRIMARY KEY,
  "naïve" TEXT,
  "日本" INTEGER,
  "2nd" INTEGER,
  "self" TEXT,
  "async" TEXT,
  "bool" TEXT,
  "type" TEXT,
  "line
break" TEXT,
  kind "odd
schema"."my
type",
  other "odd
schema"."Ünïcode"
);
CREATE TABLE "odd
schema"."çhild" (id SERIAL PRIMARY KEY, "1st table_id" INTEGER REFERENCES "odd
schema"."1st table"(id));
