// @generated automatically by Diesel CLI.

diesel::table! {
    apple (id) {
        a -> Nullable<Text>,
        b -> Nullable<Text>,
        id -> Int4,
    }
}

diesel::table! {
    zebra (id) {
        Beta -> Nullable<Text>,
        alpha -> Text,
        id -> Int4,
        mid -> Nullable<Int4>,
        zeta -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(apple, zebra,);
