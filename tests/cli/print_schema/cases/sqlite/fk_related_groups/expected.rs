// @generated automatically by Diesel CLI.

diesel::table! {
    a (id) {
        id -> Nullable<Integer>,
    }
}

diesel::table! {
    b (id) {
        id -> Nullable<Integer>,
        a_id -> Nullable<Integer>,
    }
}

diesel::table! {
    c (id) {
        id -> Nullable<Integer>,
    }
}

diesel::table! {
    d (id) {
        id -> Nullable<Integer>,
        c_id -> Nullable<Integer>,
    }
}

diesel::table! {
    e (id) {
        id -> Nullable<Integer>,
        d_id -> Nullable<Integer>,
    }
}

diesel::table! {
    lonely (id) {
        id -> Nullable<Integer>,
    }
}

diesel::joinable!(b -> a (a_id));
diesel::joinable!(d -> c (c_id));
diesel::joinable!(e -> d (d_id));

diesel::allow_tables_to_appear_in_same_query!(a, b,);
diesel::allow_tables_to_appear_in_same_query!(c, d, e,);
