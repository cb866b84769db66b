// @generated automatically by Diesel CLI.

diesel::table! {
    a (id) {
        id -> Integer,
    }
}

diesel::table! {
    b (id) {
        id -> Integer,
        a_id -> Nullable<Integer>,
    }
}

diesel::table! {
    c (id) {
        id -> Integer,
    }
}

diesel::table! {
    lonely (id) {
        id -> Integer,
    }
}

diesel::joinable!(b -> a (a_id));

diesel::allow_tables_to_appear_in_same_query!(a, b,);
