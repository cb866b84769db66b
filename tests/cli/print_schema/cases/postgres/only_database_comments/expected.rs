// @generated automatically by Diesel CLI.

diesel::table! {
    posts (id) {
        id -> Int4,
        /// Markdown
        body -> Nullable<Text>,
    }
}

diesel::table! {
    /// People.
    users (id) {
        id -> Int4,
        name -> Text,
    }
}

diesel::allow_tables_to_appear_in_same_query!(posts, users,);
