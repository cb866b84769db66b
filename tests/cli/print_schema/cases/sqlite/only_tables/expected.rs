// @generated automatically by Diesel CLI.

diesel::table! {
    posts (id) {
        id -> Nullable<Integer>,
    }
}

diesel::table! {
    user_settings (id) {
        id -> Nullable<Integer>,
        user_id -> Integer,
    }
}

diesel::table! {
    users (id) {
        id -> Nullable<Integer>,
    }
}

diesel::joinable!(user_settings -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(posts, user_settings, users,);
