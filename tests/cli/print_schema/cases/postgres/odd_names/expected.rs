// @generated automatically by Diesel CLI.

diesel::table! {
    #[sql_name = "User Accounts"]
    User_Accounts (id) {
        id -> Int4,
        #[sql_name = "type"]
        type_ -> Nullable<Text>,
        #[sql_name = "User Accounts"]
        User_Accounts_ -> Nullable<Text>,
        #[sql_name = "1st"]
        _1st -> Nullable<Int4>,
        #[sql_name = "has-dash"]
        has_dash -> Nullable<Text>,
        CamelCase -> Nullable<Text>,
        #[sql_name = r#"quote"d"#]
        quote_d -> Nullable<Text>,
    }
}

diesel::table! {
    #[sql_name = "table"]
    table_ (id) {
        id -> Int4,
        #[sql_name = "self"]
        self_ -> Nullable<Text>,
        #[sql_name = "is_nullable"]
        is_nullable_ -> Nullable<Bool>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(User_Accounts, table_,);
