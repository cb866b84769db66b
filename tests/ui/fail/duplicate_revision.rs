schema_runtime::embed!(config = "fixtures/duplicate_revision/schema.ini");

fn main() {}
