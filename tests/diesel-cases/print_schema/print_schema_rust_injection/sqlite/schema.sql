
CREATE TABLE tests(
       id INTEGER PRIMARY KEY NOT NULL,
       `x"] } include!(env!("P")); mod y { #[sql_name="z` TEXT NOT NULL
);
