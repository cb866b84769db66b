schema_runtime::embed!(config = "fixtures/nowhere/schema.ini");

fn main() {}
