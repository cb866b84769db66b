// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "name", schema = "pg_catalog"))]
    pub struct Name;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "point", schema = "pg_catalog"))]
    pub struct Point;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "timetz", schema = "pg_catalog"))]
    pub struct Timetz;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "tsvector", schema = "pg_catalog"))]
    pub struct Tsvector;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "varbit", schema = "pg_catalog"))]
    pub struct Varbit;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "xml", schema = "pg_catalog"))]
    pub struct Xml;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Timetz;
    use super::sql_types::Xml;
    use super::sql_types::Tsvector;
    use super::sql_types::Point;
    use super::sql_types::Varbit;
    use super::sql_types::Name;

    odd_types (id) {
        id -> Int4,
        c_timetz -> Nullable<Timetz>,
        c_xml -> Nullable<Xml>,
        c_tsvector -> Tsvector,
        c_point -> Nullable<Point>,
        #[max_length = 8]
        c_varbit -> Nullable<Varbit>,
        c_name -> Nullable<Name>,
    }
}
