// @generated automatically by Diesel CLI.

pub mod sql_types {
    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "mood"))]
    pub struct Mood;

    #[derive(diesel::sql_types::SqlType)]
    #[diesel(postgres_type(name = "Weird Type"))]
    pub struct WeirdType;
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Mood;
    use super::sql_types::WeirdType;

    people (id) {
        id -> Int4,
        current_mood -> Mood,
        past_moods -> Nullable<Array<Nullable<Mood>>>,
        other -> Nullable<WeirdType>,
    }
}

diesel::table! {
    use diesel::sql_types::*;
    use super::sql_types::Mood;

    pets (id) {
        id -> Int4,
        mood -> Nullable<Mood>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(people, pets,);
