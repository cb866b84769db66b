schema_runtime::embed!(config = "fixtures/wrong_type/schema.ini");

fn main() {}
