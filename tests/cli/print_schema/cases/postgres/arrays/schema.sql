CREATE TABLE arrays (
  id SERIAL PRIMARY KEY, ints INTEGER[] NOT NULL, texts TEXT[], bigints BIGINT[], matrix INTEGER[][],
  flags BOOLEAN[] NOT NULL, stamps TIMESTAMPTZ[], uuids UUID[], names VARCHAR(20)[], jsons JSONB[]
);
