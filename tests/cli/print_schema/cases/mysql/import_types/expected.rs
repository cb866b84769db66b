// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(mysql_type(name = "Enum"))]
    pub struct ThingsSizeEnum;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::ThingsSizeEnum;

    things (id) {
        id -> Integer,
        #[max_length = 1]
        size -> Nullable<ThingsSizeEnum>,
        name -> Text,
    }
}
