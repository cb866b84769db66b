CREATE TABLE all_types (
  id INTEGER PRIMARY KEY NOT NULL,
  c_int INT NOT NULL, c_integer INTEGER, c_tinyint TINYINT, c_smallint SMALLINT, c_mediumint MEDIUMINT,
  c_bigint BIGINT NOT NULL, c_int2 INT2, c_int8 INT8, c_ubig UNSIGNED BIG INT,
  c_boolean BOOLEAN NOT NULL, c_bool BOOL,
  c_character CHARACTER(20), c_varchar VARCHAR(255) NOT NULL, c_varying VARYING CHARACTER(255), c_nchar NCHAR(55),
  c_native NATIVE CHARACTER(70), c_nvarchar NVARCHAR(100), c_text TEXT, c_clob CLOB,
  c_blob BLOB NOT NULL, c_binary BINARY(16), c_untyped,
  c_real REAL, c_double DOUBLE, c_double_precision DOUBLE PRECISION, c_float FLOAT NOT NULL,
  c_numeric NUMERIC, c_decimal DECIMAL(10,5),
  c_date DATE, c_datetime DATETIME NOT NULL, c_timestamp TIMESTAMP, c_time TIME
);
