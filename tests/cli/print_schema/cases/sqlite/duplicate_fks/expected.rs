// @generated automatically by Diesel CLI.

diesel::table! {
    links (id) {
        id -> Nullable<Integer>,
        profile_id -> Nullable<Integer>,
        name -> Nullable<Text>,
    }
}

diesel::table! {
    messages (id) {
        id -> Nullable<Integer>,
        sender_id -> Integer,
        recipient_id -> Integer,
    }
}

diesel::table! {
    profiles (id) {
        id -> Nullable<Integer>,
        user_id -> Nullable<Integer>,
    }
}

diesel::table! {
    users (id) {
        id -> Nullable<Integer>,
    }
}

diesel::joinable!(profiles -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(links, messages, profiles, users,);
