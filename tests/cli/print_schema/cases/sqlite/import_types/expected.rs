// @generated automatically by Diesel CLI.

diesel::table! {
    use diesel::sql_types::*;
    use crate::custom::Types;

    more_things (id) {
        id -> Nullable<Integer>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use crate::custom::Types;

    things (id) {
        id -> Nullable<Integer>,
        name -> Text,
        at -> Nullable<Timestamp>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(more_things, things,);
