schema_runtime::embed!(config = "fixtures/malformed_ini/schema.ini");

fn main() {}
