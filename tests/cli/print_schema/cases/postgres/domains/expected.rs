// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "email"))]
    pub struct Email;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Email;

    accounts (id) {
        id -> Int4,
        balance -> Int4,
        contact -> Nullable<Email>,
        plain -> Nullable<Int4>,
    }
}
