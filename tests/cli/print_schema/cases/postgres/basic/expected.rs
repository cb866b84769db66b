// @generated automatically by Diesel CLI.

diesel::table! {
    posts (id) {
        id -> Int8,
        user_id -> Int4,
        title -> Text,
        body -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Int4,
        #[max_length = 50]
        name -> Varchar,
        email -> Nullable<Text>,
    }
}

diesel::joinable!(posts -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(posts, users,);
