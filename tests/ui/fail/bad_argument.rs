schema_runtime::embed!(confg = "schema.ini");

fn main() {}
