// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(mysql_type(name = "Enum"))]
    pub struct PantsSizeEnum;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(mysql_type(name = "Enum"))]
    pub struct ShirtsColorEnum;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(mysql_type(name = "Enum"))]
    pub struct ShirtsSizeEnum;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(mysql_type(name = "Set"))]
    pub struct ShirtsTagsSet;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::PantsSizeEnum;

    pants (id) {
        id -> Integer,
        #[max_length = 1]
        size -> PantsSizeEnum,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::ShirtsSizeEnum;
    use super::sql_types::ShirtsColorEnum;
    use super::sql_types::ShirtsTagsSet;

    shirts (id) {
        id -> Integer,
        #[max_length = 1]
        size -> ShirtsSizeEnum,
        #[max_length = 4]
        color -> Nullable<ShirtsColorEnum>,
        #[max_length = 3]
        tags -> Nullable<ShirtsTagsSet>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(pants, shirts,);
