//! Rebuilds follow the files: after `cargo schema init`, editing schema.ini,
//! editing a migration's SQL or metadata.toml, adding a migration folder
//! (with `generate` or by hand) and deleting one each make the next
//! `cargo build` re-expand `embed!()`, with no build script of the user's.
//!
//! One real crate, built with cargo after each change; its binary prints
//! what `embed!()` embedded, so a stale expansion shows as stale output.

use std::path::{Path, PathBuf};
use std::process::Command;

const MAIN_RS: &str = r#"
schema_runtime::embed!();

fn main() {
    let graph = MIGRATIONS.graph().expect("embedded graph");
    println!("migrations={}", MIGRATIONS.len());
    for (file, m) in MIGRATIONS.files().unwrap().iter().zip(graph.migrations()) {
        println!("{} {} {}", file.folder_name, file.checksum, m.message.as_deref().unwrap_or("-"));
    }
    let config = SchemaConfig::load().expect("config loads");
    println!("greeting={}", config.greeting());
}
"#;

fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("the workspace root")
        .to_path_buf()
}

/// A real crate depending on schema-runtime, built with cargo.
pub(crate) struct Probe {
    dir: tempfile::TempDir,
    target: PathBuf,
    name: &'static str,
}

impl Probe {
    fn new() -> Probe {
        Probe::with_main("rebuild_probe", MAIN_RS)
    }

    /// A crate named `name` (one per test: they share a target folder)
    /// whose `src/main.rs` is `main_rs`.
    pub(crate) fn with_main(name: &'static str, main_rs: &str) -> Probe {
        let dir = tempfile::tempdir().expect("temp dir");
        let ws = workspace();
        // The workspace's dev profile for dependencies (no debug info):
        // the probe compiles schema-runtime's dependency tree once more.
        let manifest = format!(
            "[package]\nname = \"{name}\"\nversion = \"0.1.0\"\nedition = \"2021\"\npublish = false\n\n\
             [dependencies]\nschema-runtime = {{ path = {:?} }}\n\n[workspace]\n\n\
             [profile.dev.package.\"*\"]\ndebug = false\n",
            ws.join("schema-runtime").display().to_string()
        );
        std::fs::write(dir.path().join("Cargo.toml"), manifest).expect("Cargo.toml");
        // Same dependency versions as the workspace, and no network needed.
        std::fs::copy(ws.join("Cargo.lock"), dir.path().join("Cargo.lock")).expect("Cargo.lock");
        std::fs::create_dir(dir.path().join("src")).expect("src");
        std::fs::write(dir.path().join("src/main.rs"), main_rs).expect("main.rs");
        // Shared across runs so only the probe itself recompiles.
        let target = ws.join("target").join("rebuild-probe");
        Probe { dir, target, name }
    }

    pub(crate) fn path(&self, rel: &str) -> PathBuf {
        self.dir.path().join(rel)
    }

    fn schema(&self, args: &[&str]) -> String {
        let mut with_ini = vec!["-c", "schema.ini"];
        with_ini.extend(args);
        self.schema_with(&with_ini)
    }

    /// `cargo-schema ARGS` in the crate's folder; its stdout.
    pub(crate) fn schema_with(&self, args: &[&str]) -> String {
        let out = Command::new(crate::support::bin())
            .args(args)
            .current_dir(self.dir.path())
            .env_remove("DATABASE_URL")
            .output()
            .expect("run cargo-schema");
        assert!(
            out.status.success(),
            "cargo-schema {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).trim().to_owned()
    }

    /// Build with cargo, then run the binary in the crate's folder: what
    /// the macro embedded.
    fn build_and_run(&self) -> String {
        self.build_and_run_in(self.dir.path(), &[])
    }

    /// Build with cargo, then run the binary in `cwd` with `args`.
    pub(crate) fn build_and_run_in(&self, cwd: &Path, args: &[&str]) -> String {
        let cargo = std::env::var_os("CARGO").unwrap_or_else(|| "cargo".into());
        let out = Command::new(cargo)
            .args(["build", "--quiet"])
            .current_dir(self.dir.path())
            .env("CARGO_TARGET_DIR", &self.target)
            .env_remove("RUSTFLAGS")
            .output()
            .expect("run cargo build");
        assert!(
            out.status.success(),
            "cargo build failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        let bin = self.target.join("debug").join(self.name);
        let out = Command::new(bin)
            .args(args)
            .current_dir(cwd)
            .env_remove("DATABASE_URL")
            .output()
            .expect("run the probe");
        assert!(
            out.status.success(),
            "probe failed:\n{}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }
}

fn edit(path: &Path, from: &str, to: &str) {
    let text = std::fs::read_to_string(path).expect("read");
    assert!(text.contains(from), "{} lacks {from:?}", path.display());
    std::fs::write(path, text.replace(from, to)).expect("write");
}

#[test]
fn every_change_to_the_files_re_expands_embed() {
    let p = Probe::new();
    p.schema(&["init", "."]);
    assert!(p.path("build.rs").is_file(), "init writes the build script");
    let ini = p.path("schema.ini");
    let text = std::fs::read_to_string(&ini).expect("schema.ini");
    std::fs::write(&ini, format!("{text}greeting = one\n")).expect("schema.ini");
    let first = PathBuf::from(p.schema(&["generate", "-m", "create users"]));
    std::fs::write(first.join("up.sql"), "CREATE TABLE users (id INTEGER);\n").expect("up.sql");
    // A down.sql that runs nothing under this up.sql is a build error.
    std::fs::write(first.join("down.sql"), "DROP TABLE users;\n").expect("down.sql");

    let out = p.build_and_run();
    assert!(out.contains("migrations=1"), "{out}");
    assert!(out.contains("greeting=one"), "{out}");

    // 1. schema.ini
    edit(&ini, "greeting = one", "greeting = two");
    let out = p.build_and_run();
    assert!(out.contains("greeting=two"), "editing schema.ini: {out}");

    // 2. a migration's SQL
    let before = out.clone();
    std::fs::write(
        first.join("up.sql"),
        "CREATE TABLE users (id INTEGER, name TEXT);\n",
    )
    .expect("up.sql");
    let out = p.build_and_run();
    assert_ne!(out, before, "editing up.sql changes the embedded checksum");

    // 3. metadata.toml
    edit(
        &first.join("metadata.toml"),
        "message = \"create users\"",
        "message = \"create the users\"",
    );
    let out = p.build_and_run();
    assert!(
        out.contains("create the users"),
        "editing metadata.toml: {out}"
    );

    // 4. a folder added with generate
    p.schema(&["generate", "-m", "add posts"]);
    let out = p.build_and_run();
    assert!(
        out.contains("migrations=2"),
        "a folder added by generate: {out}"
    );

    // 5. a folder added by hand
    let by_hand = p.path("migrations/2999-01-01-000000_by_hand");
    std::fs::create_dir(&by_hand).expect("folder");
    std::fs::write(by_hand.join("up.sql"), "SELECT 1;\n").expect("up.sql");
    let out = p.build_and_run();
    assert!(
        out.contains("migrations=3"),
        "a folder added by hand: {out}"
    );

    // 6. a folder deleted
    std::fs::remove_dir_all(&by_hand).expect("remove");
    let out = p.build_and_run();
    assert!(out.contains("migrations=2"), "a folder deleted: {out}");
}
