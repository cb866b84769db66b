#!/usr/bin/env bash
# bench/embed_crates.sh REPO DIR SUFFIX: beside DIR/migrations (and
# DIR/schema.ini), write two tiny binary crates that embed that one folder:
#   DIR/embed-schema-SUFFIX: schema_runtime::embed!()
#   DIR/embed-diesel-SUFFIX: diesel_migrations::embed_migrations!()
# Same dependency versions as the workspace (its Cargo.lock is copied), the
# same build.rs (the one `cargo schema init` writes), each its own workspace.
set -euo pipefail
REPO=$1
DIR=$2
SUFFIX=$3

write_crate() { # name dependencies main.rs
  local crate="$DIR/$1"
  mkdir -p "$crate/src"
  cat >"$crate/Cargo.toml" <<TOML
[package]
name = "$1"
version = "0.1.0"
edition = "2021"
publish = false

[workspace]

[dependencies]
$2
TOML
  cp "$REPO/Cargo.lock" "$crate/Cargo.lock"
  cat >"$crate/build.rs" <<'RS'
fn main() {
    println!("cargo:rerun-if-changed=../schema.ini");
    println!("cargo:rerun-if-changed=../migrations");
}
RS
  printf '%s\n' "$3" >"$crate/src/main.rs"
}

diesel_version=$(sed -n 's/^diesel = { version = "\([^"]*\)".*/\1/p' "$REPO/Cargo.toml")
migrations_version=$(sed -n 's/^diesel_migrations = "\([^"]*\)"/\1/p' "$REPO/Cargo.toml")

write_crate "embed-schema-$SUFFIX" \
  "diesel = { version = \"$diesel_version\", default-features = false, features = [\"sqlite\"] }
schema-runtime = { path = \"$REPO/schema-runtime\" }" \
  'schema_runtime::embed!(config = "../schema.ini");

fn main() {
    println!("{} migrations", MIGRATIONS.len());
}'

write_crate "embed-diesel-$SUFFIX" \
  "diesel = { version = \"$diesel_version\", default-features = false, features = [\"sqlite\"] }
diesel_migrations = \"$migrations_version\"
libsqlite3-sys = { version = \"*\", features = [\"bundled\"] }" \
  'use diesel::migration::MigrationSource;
use diesel_migrations::{embed_migrations, EmbeddedMigrations};

pub const MIGRATIONS: EmbeddedMigrations = embed_migrations!("../migrations");

fn main() {
    let all = MigrationSource::<diesel::sqlite::Sqlite>::migrations(&MIGRATIONS).map_or(0, |m| m.len());
    println!("{all} migrations");
}'
