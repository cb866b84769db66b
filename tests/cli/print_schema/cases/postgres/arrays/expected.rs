// @generated automatically by Diesel CLI.

diesel::table! {
    arrays (id) {
        id -> Int4,
        ints -> Array<Nullable<Int4>>,
        texts -> Nullable<Array<Nullable<Text>>>,
        bigints -> Nullable<Array<Nullable<Int8>>>,
        matrix -> Nullable<Array<Nullable<Int4>>>,
        flags -> Array<Nullable<Bool>>,
        stamps -> Nullable<Array<Nullable<Timestamptz>>>,
        uuids -> Nullable<Array<Nullable<Uuid>>>,
        names -> Nullable<Array<Nullable<Varchar>>>,
        jsons -> Nullable<Array<Nullable<Jsonb>>>,
    }
}
