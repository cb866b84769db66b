schema_runtime::embed!(config = "fixtures/bad_url/schema.ini");

fn main() {}
