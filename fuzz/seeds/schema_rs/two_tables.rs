// @generated automatically by Diesel CLI.

diesel::table! {
    authors (id) {
        id -> Integer,
        #[max_length = 64]
        name -> Varchar,
    }
}

diesel::table! {
    app.posts (id, rev) {
        id -> Int4,
        rev -> Int4,
        author_id -> Nullable<Integer>,
        title -> Text,
    }
}

diesel::joinable!(posts -> authors (author_id));
diesel::allow_tables_to_appear_in_same_query!(authors, posts);
