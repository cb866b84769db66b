schema_runtime::embed!(config = "fixtures/unknown_down_revision/schema.ini");

fn main() {}
