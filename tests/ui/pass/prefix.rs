// `prefix = "..."` names where the engine options are: myapp.url and
// myapp.pool_size here, read by the accessors as diesel.* would be.
schema_runtime::embed!(config = "fixtures/prefix/schema.ini", prefix = "myapp.");

fn main() {
    assert_eq!(MIGRATIONS.len(), 2);
    assert_eq!(CONFIG.prefix, "myapp.");
    let config = SchemaConfig::load().expect("the embedded configuration loads");
    assert_eq!(config.pool_size(), 9);
    assert!(config.url().ends_with("prefixed.db"), "{}", config.url());
}
