// @generated automatically by Diesel CLI.

diesel::table! {
    apple (id) {
        a -> Nullable<Text>,
        b -> Nullable<Text>,
        id -> Integer,
    }
}

diesel::table! {
    zebra (id) {
        alpha -> Text,
        id -> Integer,
        mid -> Nullable<Integer>,
        zeta -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(apple, zebra,);
