schema_runtime::embed!(config = "fixtures/unreadable_sql/schema.ini");

fn main() {}
