// @generated automatically by Diesel CLI.

diesel::table! {
    apple (id) {
        a -> Nullable<Text>,
        b -> Nullable<Text>,
        id -> Nullable<Integer>,
    }
}

diesel::table! {
    keyless (rowid) {
        rowid -> Integer,
        y -> Nullable<Text>,
        z -> Nullable<Text>,
    }
}

diesel::table! {
    zebra (id) {
        Beta -> Nullable<Text>,
        alpha -> Text,
        id -> Nullable<Integer>,
        mid -> Nullable<Integer>,
        zeta -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(apple, keyless, zebra,);
