table! {
    users {
        id -> Integer,
        added_record -> Record<(Integer, Text)>,
    }
}
