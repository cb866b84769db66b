schema_runtime::embed!(config = "fixtures/missing_url/schema.ini");

fn main() {}
