// @generated automatically by Diesel CLI.

diesel::table! {
    children (id) {
        id -> Nullable<Integer>,
        pa -> Integer,
        pb -> Integer,
    }
}

diesel::table! {
    grandchildren (id) {
        id -> Nullable<Integer>,
        child_id -> Nullable<Integer>,
    }
}

diesel::table! {
    parents (a, b) {
        a -> Integer,
        b -> Integer,
        label -> Nullable<Text>,
    }
}

diesel::joinable!(grandchildren -> children (child_id));

diesel::allow_tables_to_appear_in_same_query!(children, grandchildren, parents,);
