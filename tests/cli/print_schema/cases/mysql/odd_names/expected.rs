// @generated automatically by Diesel CLI.

diesel::table! {
    #[sql_name = "User Accounts"]
    User_Accounts (id) {
        id -> Integer,
        #[sql_name = "type"]
        type_ -> Nullable<Text>,
        #[sql_name = "User Accounts"]
        User_Accounts_ -> Nullable<Text>,
        #[sql_name = "1st"]
        _1st -> Nullable<Integer>,
        #[sql_name = "has-dash"]
        has_dash -> Nullable<Text>,
        #[sql_name = r#"quote"d"#]
        quote_d -> Nullable<Text>,
    }
}

diesel::table! {
    #[sql_name = "table"]
    table_ (id) {
        id -> Integer,
        #[sql_name = "self"]
        self_ -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(User_Accounts, table_,);
