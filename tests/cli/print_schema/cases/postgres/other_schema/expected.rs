// @generated automatically by Diesel CLI.

pub mod inventory {
    pub mod sql_types {
        #[derive(diesel::sql_types::SqlType)]
        #[diesel(postgres_type(name = "state", schema = "inventory"))]
        pub struct State;
    }

    diesel::table! {
        use diesel::sql_types::*;
        use super::sql_types::State;

        inventory.items (id) {
            id -> Int4,
            name -> Text,
            state -> Nullable<State>,
        }
    }

    diesel::table! {
        inventory.stock (id) {
            id -> Int4,
            item_id -> Int4,
            count -> Int4,
        }
    }

    diesel::joinable!(stock -> items (item_id));

    diesel::allow_tables_to_appear_in_same_query!(items, stock,);
}
