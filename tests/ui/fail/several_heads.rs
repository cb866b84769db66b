schema_runtime::embed!(config = "fixtures/several_heads/schema.ini");

fn main() {}
