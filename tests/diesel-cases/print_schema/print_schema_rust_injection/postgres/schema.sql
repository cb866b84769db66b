
CREATE TYPE "x""))] } include!(env!(""P"")); mod y { #[diesel(postgres_type(name=""z" AS ENUM ('foo', 'bar');

CREATE TABLE tests(
       id INTEGER PRIMARY KEY NOT NULL,
       "x""] } include!(env!(""P"")); mod y { #[sql_name=""z" TEXT NOT NULL,
       enum "x""))] } include!(env!(""P"")); mod y { #[diesel(postgres_type(name=""z" NOT NULL
);
