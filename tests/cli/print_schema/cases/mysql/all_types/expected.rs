// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(mysql_type(name = "Mediumint"))]
    pub struct AllTypesCMediumintMediumint;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(mysql_type(name = "Year"))]
    pub struct AllTypesCYearYear;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::AllTypesCMediumintMediumint;
    use super::sql_types::AllTypesCYearYear;

    all_types (id) {
        id -> Integer,
        c_tinyint -> Tinyint,
        c_bool -> Nullable<Bool>,
        c_tinyint1 -> Nullable<Bool>,
        c_smallint -> Nullable<Smallint>,
        c_mediumint -> Nullable<AllTypesCMediumintMediumint>,
        c_int -> Integer,
        c_integer -> Nullable<Integer>,
        c_bigint -> Nullable<Bigint>,
        c_utinyint -> Nullable<Unsigned<Tinyint>>,
        c_usmallint -> Unsigned<Smallint>,
        c_uint -> Nullable<Unsigned<Integer>>,
        c_ubigint -> Nullable<Unsigned<Bigint>>,
        c_float -> Nullable<Float>,
        c_double -> Double,
        c_real -> Nullable<Double>,
        c_decimal -> Nullable<Decimal>,
        c_numeric -> Nullable<Decimal>,
        c_udouble -> Nullable<Unsigned<Double>>,
        c_bit -> Nullable<Bit>,
        c_bit8 -> Nullable<Bit>,
        #[max_length = 10]
        c_char -> Nullable<Char>,
        #[max_length = 255]
        c_varchar -> Varchar,
        c_tinytext -> Nullable<Tinytext>,
        c_text -> Nullable<Text>,
        c_mediumtext -> Nullable<Mediumtext>,
        c_longtext -> Nullable<Longtext>,
        #[max_length = 16]
        c_binary -> Nullable<Binary>,
        #[max_length = 64]
        c_varbinary -> Nullable<Varbinary>,
        c_tinyblob -> Nullable<Tinyblob>,
        c_blob -> Nullable<Blob>,
        c_mediumblob -> Nullable<Mediumblob>,
        c_longblob -> Nullable<Longblob>,
        c_date -> Nullable<Date>,
        c_time -> Nullable<Time>,
        c_datetime -> Datetime,
        c_timestamp -> Nullable<Timestamp>,
        c_year -> Nullable<AllTypesCYearYear>,
        c_json -> Nullable<Longtext>,
    }
}
