// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "size"))]
    pub struct Size;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Size;

    shirts (id) {
        id -> Int4,
        color -> Color,
        size -> Nullable<Size>,
    }
}
