// @generated automatically by Diesel CLI.

diesel::table! {
    employees (id) {
        id -> Nullable<Integer>,
        manager_id -> Nullable<Integer>,
        name -> Text,
    }
}

diesel::table! {
    teams (id) {
        id -> Nullable<Integer>,
        lead_id -> Integer,
    }
}

diesel::joinable!(teams -> employees (lead_id));

diesel::allow_tables_to_appear_in_same_query!(employees, teams,);
