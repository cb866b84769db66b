schema_runtime::embed!(config = "fixtures/lone_percent/schema.ini");

fn main() {}
