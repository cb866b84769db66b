// @generated automatically by Diesel CLI.

diesel::table! {
    shirts (id) {
        id -> Integer,
        #[max_length = 1]
        size -> Enum,
        made -> Nullable<Year>,
    }
}
