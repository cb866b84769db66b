CREATE TABLE all_types (
  id SERIAL PRIMARY KEY,
  c_smallint SMALLINT NOT NULL, c_integer INTEGER, c_bigint BIGINT NOT NULL,
  c_smallserial SMALLSERIAL, c_bigserial BIGSERIAL,
  c_real REAL, c_double DOUBLE PRECISION NOT NULL, c_numeric NUMERIC(10, 2), c_money MONEY,
  c_text TEXT NOT NULL, c_varchar VARCHAR(50), c_varchar_free VARCHAR, c_char CHAR(10), c_bpchar BPCHAR, c_quoted_char "char",
  c_bytea BYTEA, c_bool BOOLEAN NOT NULL,
  c_date DATE, c_time TIME, c_timestamp TIMESTAMP NOT NULL, c_timestamptz TIMESTAMPTZ, c_interval INTERVAL,
  c_uuid UUID, c_json JSON, c_jsonb JSONB NOT NULL,
  c_inet INET, c_cidr CIDR, c_macaddr MACADDR, c_macaddr8 MACADDR8,
  c_oid OID, c_pg_lsn PG_LSN,
  c_int4range INT4RANGE, c_int8range INT8RANGE, c_numrange NUMRANGE, c_tsrange TSRANGE, c_tstzrange TSTZRANGE, c_daterange DATERANGE,
  c_int4multirange INT4MULTIRANGE, c_int8multirange INT8MULTIRANGE, c_nummultirange NUMMULTIRANGE,
  c_tsmultirange TSMULTIRANGE, c_tstzmultirange TSTZMULTIRANGE, c_datemultirange DATEMULTIRANGE,
  c_bit BIT(3), c_record_free TEXT
);
