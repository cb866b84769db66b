// @generated automatically by Diesel CLI.

diesel::table! {
    a (id) {
        id -> Int4,
    }
}

diesel::table! {
    b (id) {
        id -> Int4,
        a_id -> Nullable<Int4>,
    }
}

diesel::table! {
    c (id) {
        id -> Int4,
    }
}

diesel::table! {
    d (id) {
        id -> Int4,
        c_id -> Nullable<Int4>,
    }
}

diesel::table! {
    lonely (id) {
        id -> Int4,
    }
}

diesel::joinable!(b -> a (a_id));
diesel::joinable!(d -> c (c_id));

diesel::allow_tables_to_appear_in_same_query!(a, b,);
diesel::allow_tables_to_appear_in_same_query!(c, d,);
