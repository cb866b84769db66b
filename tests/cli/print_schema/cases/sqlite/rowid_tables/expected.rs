// @generated automatically by Diesel CLI.

diesel::table! {
    has_rowid_column (oid) {
        oid -> Integer,
        rowid -> Nullable<Text>,
        other -> Nullable<Integer>,
    }
}

diesel::table! {
    no_key (rowid) {
        rowid -> Integer,
        name -> Text,
        value -> Nullable<Text>,
    }
}

diesel::table! {
    without_rowid_t (code) {
        code -> Text,
        label -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(has_rowid_column, no_key, without_rowid_t,);
