CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy');
CREATE TYPE "Weird Type" AS ENUM ('a');
CREATE TABLE people (id SERIAL PRIMARY KEY, current_mood mood NOT NULL, past_moods mood[], other "Weird Type");
CREATE TABLE pets (id SERIAL PRIMARY KEY, mood mood);
