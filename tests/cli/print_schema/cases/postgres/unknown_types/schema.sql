CREATE TABLE odd_types (
  id SERIAL PRIMARY KEY, c_timetz TIMETZ, c_xml XML, c_tsvector TSVECTOR NOT NULL, c_point POINT, c_varbit VARBIT(8), c_name NAME
);
