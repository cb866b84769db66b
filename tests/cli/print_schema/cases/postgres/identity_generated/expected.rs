// @generated automatically by Diesel CLI.

diesel::table! {
    t (id) {
        id -> Int4,
        other -> Int8,
        price -> Numeric,
        doubled -> Nullable<Numeric>,
        created -> Timestamptz,
    }
}
