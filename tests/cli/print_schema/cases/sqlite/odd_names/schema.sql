CREATE TABLE "user accounts" (id INTEGER PRIMARY KEY, "type" TEXT, "user accounts" TEXT, "1st" INTEGER, "has-dash" TEXT, "columns" TEXT, "__private" TEXT);
CREATE TABLE "table" (id INTEGER PRIMARY KEY, "self" TEXT, "quote""d" TEXT);
CREATE TABLE __hidden (id INTEGER PRIMARY KEY);
