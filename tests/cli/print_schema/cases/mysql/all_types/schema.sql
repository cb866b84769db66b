CREATE TABLE all_types (
  id INTEGER PRIMARY KEY AUTO_INCREMENT,
  c_tinyint TINYINT NOT NULL, c_bool BOOLEAN, c_tinyint1 TINYINT(1), c_smallint SMALLINT, c_mediumint MEDIUMINT,
  c_int INT NOT NULL, c_integer INTEGER, c_bigint BIGINT,
  c_utinyint TINYINT UNSIGNED, c_usmallint SMALLINT UNSIGNED NOT NULL, c_uint INT UNSIGNED, c_ubigint BIGINT UNSIGNED,
  c_float FLOAT, c_double DOUBLE NOT NULL, c_real REAL, c_decimal DECIMAL(10,2), c_numeric NUMERIC(5), c_udouble DOUBLE UNSIGNED,
  c_bit BIT(1), c_bit8 BIT(8),
  c_char CHAR(10), c_varchar VARCHAR(255) NOT NULL, c_tinytext TINYTEXT, c_text TEXT, c_mediumtext MEDIUMTEXT, c_longtext LONGTEXT,
  c_binary BINARY(16), c_varbinary VARBINARY(64), c_tinyblob TINYBLOB, c_blob BLOB, c_mediumblob MEDIUMBLOB, c_longblob LONGBLOB,
  c_date DATE, c_time TIME, c_datetime DATETIME NOT NULL, c_timestamp TIMESTAMP NULL, c_year YEAR,
  c_json JSON
);
