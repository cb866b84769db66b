// @generated automatically by Diesel CLI.

diesel::table! {
    posts (id) {
        id -> Unsigned<Integer>,
        user_id -> Unsigned<Bigint>,
    }
}

diesel::table! {
    users (id) {
        id -> Unsigned<Bigint>,
        age -> Nullable<Unsigned<Tinyint>>,
    }
}

diesel::joinable!(posts -> users (user_id));

diesel::allow_tables_to_appear_in_same_query!(posts, users,);
