schema_runtime::embed!(config = "fixtures/unsupported_url/schema.ini");

fn main() {}
