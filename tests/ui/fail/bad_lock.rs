schema_runtime::embed!(config = "fixtures/bad_lock/schema.ini");

fn main() {}
