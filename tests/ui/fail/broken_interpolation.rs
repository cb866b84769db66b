schema_runtime::embed!(config = "fixtures/broken_interpolation/schema.ini");

fn main() {}
