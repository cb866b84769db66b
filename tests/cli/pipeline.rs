//! One pipeline: the same files resolved through the command, through
//! `embed!()` at build time, through the embedded configuration at run time
//! and through the runtime's `engine_settings` give the same effective
//! values from the same sources, whatever the working directory.
//!
//! The project keeps its ini file below the package root, with a `.env`
//! beside it and another in the package root, so the order of the two
//! `.env` files (the ini's first) shows in the values.

use std::collections::BTreeMap;

use crate::rebuild::Probe;

const MAIN_RS: &str = r#"
schema_runtime::embed!(config = "db/schema.ini");

fn main() {
    let ini = std::env::args().nth(1).expect("the ini path");
    // What embed!() decided at build time, with no environment.
    println!("build.migrations={}", MIGRATIONS.len());
    println!("build.script_location={}", MIGRATIONS.script_location());
    // The embedded configuration, resolved at run time.
    let embedded = SchemaConfig::load().expect("embedded config loads");
    println!("embedded.url={}", embedded.settings().url.connect_url());
    println!("embedded.pool_size={}", embedded.pool_size());
    println!("embedded.greeting={}", embedded.greeting());
    // The runtime API over the file.
    let config = schema_runtime::Config::from_file(&ini).expect("ini reads");
    let settings = schema_runtime::engine_settings(&config).expect("settings resolve");
    println!("runtime.url={}", settings.url.connect_url());
    println!("runtime.pool_size={}", settings.pool_size);
    let env = schema_runtime::environment_for(&config).expect("environment");
    for var in ["APP_DB", "POOL"] {
        let (value, source) = env.get(var).expect("variable set");
        println!("runtime.{var}={value} from {source:?}");
    }
}
"#;

fn lines(out: &str) -> BTreeMap<String, String> {
    out.lines()
        .filter_map(|l| l.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect()
}

#[test]
fn the_command_embed_and_the_runtime_resolve_the_same_files_alike() {
    let p = Probe::with_main("pipeline_probe", MAIN_RS);
    let write = |rel: &str, text: &str| {
        let path = p.path(rel);
        std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
        std::fs::write(path, text).expect("write");
    };
    write(
        "db/schema.ini",
        "[schema]\nscript_location = migrations\ndiesel.url = sqlite://${APP_DB}\ndiesel.pool_size = ${POOL}\ngreeting = hello\n",
    );
    write("db/.env", "APP_DB=next.db\n");
    write(".env", "APP_DB=root.db\nPOOL=7\n");
    write(
        "db/migrations/2024-01-01-000000_a/up.sql",
        "CREATE TABLE a (id INTEGER);\n",
    );
    write(
        "db/migrations/2024-01-01-000000_a/down.sql",
        "DROP TABLE a;\n",
    );
    let ini = p.path("db/schema.ini");
    let ini = ini.to_str().expect("utf-8 path");

    // The command, run from the package root.
    let json: serde_json::Value = serde_json::from_str(&p.schema_with(&[
        "-c",
        "db/schema.ini",
        "config",
        "--format",
        "json",
    ]))
    .expect("config JSON");
    let effective = &json["effective"];
    assert_eq!(
        effective["url"],
        serde_json::json!({"value": "sqlite://next.db", "source": "schema.ini:3 with ${APP_DB} from .env"})
    );
    assert_eq!(
        effective["pool_size"],
        serde_json::json!({"value": 7, "source": "schema.ini:4 with ${POOL} from .env"})
    );
    let history = p.schema_with(&["-c", "db/schema.ini", "history"]);
    assert_eq!(history.lines().count(), 1, "{history}");

    // The application, run from its package root and from elsewhere: the
    // working directory does not change which files are read.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    for cwd in [p.path("."), elsewhere.path().to_path_buf()] {
        let seen = lines(&p.build_and_run_in(&cwd, &[ini]));
        let expected: BTreeMap<String, String> = [
            ("build.migrations", "1".to_owned()),
            (
                "build.script_location",
                p.path("db/migrations").display().to_string(),
            ),
            ("embedded.url", "next.db".to_owned()),
            ("embedded.pool_size", "7".to_owned()),
            ("embedded.greeting", "hello".to_owned()),
            ("runtime.url", "next.db".to_owned()),
            ("runtime.pool_size", "7".to_owned()),
            (
                "runtime.APP_DB",
                format!("next.db from DotEnv({:?})", p.path("db/.env")),
            ),
            (
                "runtime.POOL",
                format!("7 from DotEnv({:?})", p.path(".env")),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_owned(), v))
        .collect();
        assert_eq!(seen, expected, "run in {}", cwd.display());
    }
}
