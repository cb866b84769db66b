// A quoted URL in an alembic.ini is Python's meaning, not the ini's: the
// quotes would be part of the URL, and the build says so.
schema_runtime::embed!(config = "fixtures/not_a_url/alembic.ini");

fn main() {}
