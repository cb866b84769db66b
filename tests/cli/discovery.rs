//! Finding the project's schema.ini with cargo metadata: the package of the
//! current folder, `--manifest-path`, virtual workspaces, and the
//! `cargo schema` form run through cargo itself.

use std::ffi::OsString;
use std::path::Path;

use serde_json::Value;

use crate::support::{bin, Project};

const INI: &str = "[schema]\ndiesel.url = sqlite://app.db\n";

fn config_file(report: &Value) -> &str {
    report["file"].as_str().unwrap_or_default()
}

fn path_of(p: &Project, rel: &str) -> String {
    p.path().join(rel).display().to_string()
}

#[test]
fn the_package_of_the_current_folder() {
    let p = Project::empty();
    p.package(".", "app").file("schema.ini", INI);
    let out = p.cmd(["config", "--format", "json"]).run();
    out.code(0);
    let report = out.json();
    assert_eq!(config_file(&report), path_of(&p, "schema.ini"));
    assert_eq!(report["effective"]["url"]["source"], "schema.ini:2");
}

#[test]
fn from_a_subfolder_of_the_package() {
    let p = Project::empty();
    p.package(".", "app")
        .file("schema.ini", INI)
        .file("src/db/mod.rs", "");
    let out = p.cmd(["config", "--format", "json"]).in_dir("src/db").run();
    out.code(0);
    assert_eq!(config_file(&out.json()), path_of(&p, "schema.ini"));
}

#[test]
fn the_package_root_dotenv_applies() {
    let p = Project::empty();
    p.package(".", "app")
        .file("schema.ini", INI)
        .file(".env", "DATABASE_URL=sqlite://from-dotenv.db\n");
    let out = p.cmd(["config", "--format", "json"]).in_dir("src").run();
    out.code(0);
    assert_eq!(
        out.json()["effective"]["url"],
        serde_json::json!({"value": "sqlite://from-dotenv.db", "source": ".env DATABASE_URL"})
    );
}

#[test]
fn manifest_path_picks_another_package() {
    let p = Project::empty();
    p.package("other", "other").file("other/schema.ini", INI);
    let out = p
        .cmd([
            "--manifest-path",
            "other/Cargo.toml",
            "config",
            "--format",
            "json",
        ])
        .run();
    out.code(0);
    assert_eq!(config_file(&out.json()), path_of(&p, "other/schema.ini"));

    // From inside one package, naming another.
    p.package("here", "here").file("here/schema.ini", INI);
    let out = p
        .cmd([
            "config",
            "--format",
            "json",
            "--manifest-path",
            "../other/Cargo.toml",
        ])
        .in_dir("here")
        .run();
    out.code(0);
    assert_eq!(config_file(&out.json()), path_of(&p, "other/schema.ini"));
}

fn virtual_workspace(p: &Project) {
    p.file(
        "Cargo.toml",
        "[workspace]\nmembers = [\"crates/a\", \"crates/b\"]\nresolver = \"2\"\n",
    );
    p.package("crates/a", "a").package("crates/b", "b");
}

#[test]
fn a_virtual_workspace_with_one_member_holding_schema_ini() {
    let p = Project::empty();
    virtual_workspace(&p);
    p.file("crates/b/schema.ini", INI);
    let out = p.cmd(["config", "--format", "json"]).run();
    out.code(0);
    assert_eq!(config_file(&out.json()), path_of(&p, "crates/b/schema.ini"));
}

#[test]
fn a_virtual_workspace_with_two_members_holding_schema_ini() {
    let p = Project::empty();
    virtual_workspace(&p);
    p.file("crates/a/schema.ini", INI)
        .file("crates/b/schema.ini", INI);
    let expected = format!(
        "several workspace members have a schema.ini ({}, {}); choose one with --manifest-path or -c",
        Path::new("crates/a").display(),
        Path::new("crates/b").display()
    );
    let out = p.cmd(["config", "--format", "text"]).run();
    out.code(2);
    assert!(out.stderr.contains("error[project]"), "{}", out.stderr);
    assert!(out.stderr.contains(&expected), "{}", out.stderr);
    // JSON mode answers with the unreadable shape: no file, the error.
    let out = p.cmd(["config", "--format", "json"]).run();
    out.code(2);
    let json = out.json();
    assert_eq!(json["file"], serde_json::Value::Null);
    assert_eq!(json["error"]["kind"], "project");
    assert_eq!(json["error"]["message"], expected.as_str());
    // Inside a member, that member's file is used.
    let out = p
        .cmd(["config", "--format", "json"])
        .in_dir("crates/a/src")
        .run();
    out.code(0);
    assert_eq!(config_file(&out.json()), path_of(&p, "crates/a/schema.ini"));
}

#[test]
fn a_package_without_schema_ini() {
    let p = Project::empty();
    p.package(".", "app");
    let out = p.cmd(["config", "--format", "json"]).run();
    out.code(2);
    let report = out.json();
    assert_eq!(report["error"]["kind"], "not_found");
    assert_eq!(config_file(&report), path_of(&p, "schema.ini"));
}

#[test]
fn outside_any_cargo_project() {
    let p = Project::empty();
    // Without a schema.ini in the current folder there is no project.
    let out = p.cmd(["config"]).run();
    out.code(2);
    assert_eq!(out.stdout, "");
    assert!(out.stderr.contains("error[project]"), "{}", out.stderr);
    assert!(
        out.stderr.contains("name the ini file with -c"),
        "{}",
        out.stderr
    );
    // With one, as alembic.ini for `alembic` (and where `init` writes it
    // outside a Cargo project), the folder is the project.
    p.file("schema.ini", INI);
    let out = p.cmd(["config", "--format", "json"]).run();
    out.code(0);
    assert_eq!(config_file(&out.json()), path_of(&p, "schema.ini"));
    // -c needs no Cargo project.
    let out = p.config_json(&[]).run();
    out.code(0);
    assert_eq!(config_file(&out.json()), path_of(&p, "schema.ini"));
}

#[test]
fn as_a_cargo_subcommand() {
    let p = Project::empty();
    p.package(".", "app").file("schema.ini", INI);
    let bin_dir = bin().parent().expect("the binary's folder");
    let mut path = OsString::from(bin_dir);
    if let Some(rest) = std::env::var_os("PATH") {
        path.push(":");
        path.push(rest);
    }
    let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
    let out = p
        .cmd([
            "schema",
            "-x",
            "diesel.pool_size=3",
            "config",
            "--format",
            "json",
        ])
        .program(cargo)
        .env("PATH", path.to_str().expect("a UTF-8 PATH"))
        .in_dir("src")
        .run();
    out.code(0);
    let report = out.json();
    assert_eq!(config_file(&report), path_of(&p, "schema.ini"));
    assert_eq!(
        report["effective"]["pool_size"],
        serde_json::json!({"value": 3, "source": "command line --set"})
    );
}
