// @generated automatically by Diesel CLI.

diesel::table! {
    children (id) {
        id -> Int4,
        pa -> Int4,
        pb -> Int4,
    }
}

diesel::table! {
    messages (id) {
        id -> Int4,
        sender -> Nullable<Int4>,
        recipient -> Nullable<Int4>,
    }
}

diesel::table! {
    nodes (id) {
        id -> Int4,
        parent_id -> Nullable<Int4>,
        child_id -> Nullable<Int4>,
    }
}

diesel::table! {
    parents (b, a) {
        a -> Int4,
        b -> Int4,
        label -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Int4,
    }
}

diesel::joinable!(nodes -> children (child_id));

diesel::allow_tables_to_appear_in_same_query!(children, messages, nodes, parents, users,);
