// @generated automatically by Diesel CLI.

pub mod billing {
    diesel::table! {
        billing.invoices (id) {
            id -> Int4,
            user_id -> Nullable<Int4>,
            total -> Numeric,
        }
    }

    diesel::table! {
        billing.lines (id) {
            id -> Int4,
            invoice_id -> Int4,
        }
    }

    diesel::joinable!(lines -> invoices (invoice_id));

    diesel::allow_tables_to_appear_in_same_query!(invoices, lines,);
}
// @generated automatically by Diesel CLI.

diesel::table! {
    users (id) {
        id -> Int4,
        name -> Nullable<Text>,
    }
}
// @generated automatically by Diesel CLI.

pub mod Odd_Schema {
    diesel::table! {
        Odd_Schema.things (id) {
            id -> Int4,
        }
    }
}
