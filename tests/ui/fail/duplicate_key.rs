schema_runtime::embed!(config = "fixtures/duplicate_key/schema.ini");

fn main() {}
