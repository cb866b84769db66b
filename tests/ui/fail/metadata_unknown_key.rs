schema_runtime::embed!(config = "fixtures/metadata_unknown_key/schema.ini");

fn main() {}
