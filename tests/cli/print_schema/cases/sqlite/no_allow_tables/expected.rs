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

diesel::joinable!(b -> a (a_id));
