schema_runtime::embed!(config = "fixtures/valid/schema.ini");

// The generated items have the documented types.
fn typed(config: &SchemaConfig) {
    let _: &str = config.url();
    let _: u32 = config.pool_size();
    let _: bool = config.echo();
    let _: i32 = config.max_overflow();
    let _: std::time::Duration = config.pool_timeout();
    let _: Option<std::time::Duration> = config.pool_recycle();
    let _: bool = config.pool_pre_ping();
    let _: schema_runtime::PoolClass = config.poolclass();
    let _: Option<&'static str> = config.isolation_level();
    let _: &str = config.script_location();
    let _: &str = config.app_name();
    let _: &str = config.here();
}

fn main() {
    let _ = typed;
    assert_eq!(MIGRATIONS.len(), 2);
    let config = SchemaConfig::load().expect("the embedded configuration loads");
    assert_eq!(config.pool_size(), 3);
    assert_eq!(config.pool_timeout(), std::time::Duration::from_millis(2500));
    assert_eq!(config.app_name(), "demo");
}
