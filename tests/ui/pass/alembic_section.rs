// An alembic.ini as it is: [alembic] is the main section, sqlalchemy. the
// prefix; section = picks another.
schema_runtime::embed!(config = "fixtures/alembic/alembic.ini", section = "production");

fn main() {
    assert_eq!(MIGRATIONS.len(), 1);
    assert_eq!(CONFIG.prefix, "sqlalchemy.");
    assert_eq!(CONFIG.section, Some("production"));
}
