// Every problem of the build is reported at once, and the code that uses
// the generated items still type-checks: no unrelated errors follow.
schema_runtime::embed!(config = "fixtures/several_problems/schema.ini");

fn main() {
    let config = SchemaConfig::load().map(|c| c.pool_size());
    let _: Result<u32, schema_runtime::ConfigError> = config;
    let _: usize = MIGRATIONS.len();
    let _: Result<usize, _> = SchemaConfig::load().map(|c| c.script_location().len());
}
