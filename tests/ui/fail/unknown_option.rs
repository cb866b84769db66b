schema_runtime::embed!(config = "fixtures/unknown_option/schema.ini");

fn main() {}
