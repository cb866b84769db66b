schema_runtime::embed!(config = "fixtures/misnamed_migration/schema.ini");

fn main() {}
