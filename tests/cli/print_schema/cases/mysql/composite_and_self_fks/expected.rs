// @generated automatically by Diesel CLI.

diesel::table! {
    children (id) {
        id -> Integer,
        pa -> Integer,
        pb -> Integer,
    }
}

diesel::table! {
    messages (id) {
        id -> Integer,
        sender -> Nullable<Integer>,
        recipient -> Nullable<Integer>,
    }
}

diesel::table! {
    nodes (id) {
        id -> Integer,
        parent_id -> Nullable<Integer>,
        child_id -> Nullable<Integer>,
    }
}

diesel::table! {
    parents (b, a) {
        a -> Integer,
        b -> Integer,
        label -> Nullable<Text>,
    }
}

diesel::table! {
    users (id) {
        id -> Integer,
    }
}

diesel::joinable!(nodes -> children (child_id));

diesel::allow_tables_to_appear_in_same_query!(children, messages, nodes, parents, users,);
