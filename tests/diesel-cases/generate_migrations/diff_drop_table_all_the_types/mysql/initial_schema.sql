CREATE TABLE test(
       id INTEGER PRIMARY KEY,
       `int` INT,
       `smallint` SMALLINT,
       `tinyint` TINYINT,
       `bigint` BIGINT,
       `decimal` DECIMAL,
       `numeric` NUMERIC,
       `float` FLOAT,
       `double` DOUBLE,
       `unsigned_int` INT UNSIGNED,
       `date` DATE,
       `datetime` DATETIME,
       `timestamp` TIMESTAMP NOT NULL,
       `time` TIME,
       `char` CHAR(50),
       `blob` BLOB,
       `text` TEXT
);
