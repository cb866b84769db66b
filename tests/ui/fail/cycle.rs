schema_runtime::embed!(config = "fixtures/cycle/schema.ini");

fn main() {}
