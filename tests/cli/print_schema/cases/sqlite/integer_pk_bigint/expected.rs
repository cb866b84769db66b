// @generated automatically by Diesel CLI.

diesel::table! {
    a (id) {
        id -> Nullable<BigInt>,
        n -> Nullable<Integer>,
    }
}

diesel::table! {
    b (id) {
        id -> BigInt,
    }
}

diesel::table! {
    c (id) {
        id -> Nullable<Integer>,
        a_id -> Nullable<BigInt>,
    }
}

diesel::table! {
    d (id) {
        id -> Integer,
    }
}

diesel::table! {
    e (rowid) {
        rowid -> BigInt,
        x -> Nullable<Integer>,
    }
}

diesel::joinable!(c -> a (a_id));

diesel::allow_tables_to_appear_in_same_query!(a, b, c, d, e,);
