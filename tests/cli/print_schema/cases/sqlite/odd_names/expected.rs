// @generated automatically by Diesel CLI.

diesel::table! {
    #[sql_name = "table"]
    table_ (id) {
        id -> Nullable<Integer>,
        #[sql_name = "self"]
        self_ -> Nullable<Text>,
        #[sql_name = r#"quote"d"#]
        quote_d -> Nullable<Text>,
    }
}

diesel::table! {
    #[sql_name = "user accounts"]
    user_accounts (id) {
        id -> Nullable<Integer>,
        #[sql_name = "type"]
        type_ -> Nullable<Text>,
        #[sql_name = "user accounts"]
        user_accounts_ -> Nullable<Text>,
        #[sql_name = "1st"]
        _1st -> Nullable<Integer>,
        #[sql_name = "has-dash"]
        has_dash -> Nullable<Text>,
        #[sql_name = "columns"]
        columns_ -> Nullable<Text>,
        #[sql_name = "__private"]
        __private_ -> Nullable<Text>,
    }
}

diesel::allow_tables_to_appear_in_same_query!(table_, user_accounts,);
