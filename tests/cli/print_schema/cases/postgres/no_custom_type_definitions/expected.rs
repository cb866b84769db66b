// @generated automatically by Diesel CLI.

diesel::table! {
    shirts (id) {
        id -> Int4,
        color -> Color,
        x -> Nullable<Xml>,
    }
}
