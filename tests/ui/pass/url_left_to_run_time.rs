// URLs an ini file leaves to run time build: Alembic's template with its
// placeholder `driver://user:pass@localhost/dbname`, and a schema.ini with
// no `diesel.url`. Loading then asks for the URL, and takes it from code.
mod alembic {
    schema_runtime::embed!(config = "fixtures/alembic_placeholder/alembic.ini");
}
mod no_url {
    schema_runtime::embed!(config = "fixtures/missing_url/schema.ini");
}

fn main() {
    std::env::remove_var("DATABASE_URL");
    assert_eq!(alembic::MIGRATIONS.len(), 1);
    assert_eq!(alembic::CONFIG.prefix, "sqlalchemy.");

    let error = alembic::SchemaConfig::load().expect_err("no URL at run time");
    assert_eq!(error.kind(), schema_runtime::Kind::MissingUrl);
    assert!(
        error.to_string().contains("`sqlalchemy.url` is Alembic's placeholder"),
        "{error}"
    );
    let config = alembic::SchemaConfig::load_with(|c| c.set_main_option("sqlalchemy.url", "sqlite://"))
        .expect("a URL from code");
    assert_eq!(config.url(), "sqlite://");

    let error = no_url::SchemaConfig::load().expect_err("no URL at run time");
    assert!(error.to_string().contains("[schema] has no `diesel.url`"), "{error}");
    let config = no_url::SchemaConfig::load_with(|c| c.set_main_option("diesel.url", "sqlite://app.db"))
        .expect("a URL from code");
    assert_eq!(config.pool_size(), 5);
}
