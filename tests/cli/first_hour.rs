//! What a new user meets in the first hour (issue 28): `init` in a package
//! and outside one, autogenerate's warning, `--help` and `--version`,
//! `--set-section ''`, and the release artifacts (manual pages, completion
//! scripts for a package).

use serde_json::json;

use crate::support::{bin, Project};

/// The one folder `generate` just made under `migrations/`, by its slug.
fn folder(project: &Project, slug: &str) -> std::path::PathBuf {
    let dir = project.path().join("migrations");
    let found: Vec<_> = std::fs::read_dir(&dir)
        .expect("read migrations/")
        .map(|e| e.expect("an entry").path())
        .filter(|p| p.to_string_lossy().ends_with(&format!("_{slug}")))
        .collect();
    assert_eq!(found.len(), 1, "one folder *_{slug} in {}", dir.display());
    found.into_iter().next().expect("one folder")
}

#[test]
fn init_in_a_package_sets_schema_rs_and_upgrade_writes_it() {
    let p = Project::empty();
    p.package(".", "app");
    let out = p.cmd(["init"]).run();
    out.code(0);
    let ini = std::fs::read_to_string(p.path().join("schema.ini")).expect("schema.ini");
    assert!(
        ini.contains("[print_schema]\nfile = src/schema.rs\n"),
        "{ini}"
    );
    assert!(
        p.redact(&out.stderr).contains(
            "upgrade, downgrade and stamp keep [TMP]/src/schema.rs current ([print_schema] file in schema.ini)"
        ),
        "{}",
        out.stderr
    );
    // A key appended to the file lands in the main section, not in
    // [print_schema] (which would refuse it).
    std::fs::write(p.path().join("schema.ini"), format!("{ini}greeting = hi\n")).expect("append");
    let config = p.config_json(&[]).run();
    config.code(0);
    assert_eq!(config.json()["values"]["greeting"]["value"], "hi");

    p.cmd(["generate", "-m", "create users"]).run().code(0);
    let users = folder(&p, "create_users");
    std::fs::write(
        users.join("up.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL);\n",
    )
    .expect("up.sql");
    std::fs::write(users.join("down.sql"), "DROP TABLE users;\n").expect("down.sql");
    p.cmd(["upgrade"]).run().code(0);
    let schema_rs =
        std::fs::read_to_string(p.path().join("src/schema.rs")).expect("upgrade wrote schema.rs");
    assert!(schema_rs.contains("users (id) {"), "{schema_rs}");
    assert!(schema_rs.contains("name -> Text,"), "{schema_rs}");
}

#[test]
fn init_in_a_package_with_diesel_toml_leaves_print_schema_to_it() {
    let p = Project::empty();
    p.package(".", "app");
    p.file("diesel.toml", "[print_schema]\nfile = \"src/db.rs\"\n");
    let out = p.cmd(["init"]).run();
    out.code(0);
    let ini = std::fs::read_to_string(p.path().join("schema.ini")).expect("schema.ini");
    assert!(!ini.contains("[print_schema]"), "{ini}");
    assert!(
        p.redact(&out.stderr).contains(
            "upgrade, downgrade and stamp keep schema.rs current as [TMP]/diesel.toml's [print_schema] says"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn init_outside_a_cargo_project_writes_into_the_current_directory() {
    let p = Project::empty();
    let out = p.cmd(["init"]).run();
    out.code(0);
    for file in ["schema.ini", ".env", "migrations/.keep"] {
        assert!(p.path().join(file).is_file(), "{file}: {}", out.stderr);
    }
    assert!(
        !p.path().join("build.rs").exists(),
        "no build.rs outside a package"
    );
    let ini = std::fs::read_to_string(p.path().join("schema.ini")).expect("schema.ini");
    assert!(!ini.contains("[print_schema]"), "{ini}");
    assert!(
        p.redact(&out.stderr).contains(
            "note: [TMP] is not a Cargo package: no build.rs and no [print_schema] were written"
        ),
        "{}",
        out.stderr
    );
    // The project it wrote works as it stands.
    p.cmd(["generate", "-m", "first"]).run().code(0);
    p.cmd(["upgrade"]).run().code(0);

    // A --manifest-path that names nothing is still an error, not a
    // project in the current folder.
    let other = Project::empty();
    let out = other
        .cmd(["--manifest-path", "nowhere/Cargo.toml", "init"])
        .run();
    out.code(2);
    assert!(
        out.stderr.contains("cannot find the Cargo project"),
        "{}",
        out.stderr
    );
    assert!(!other.path().join("schema.ini").exists());
}

#[test]
fn autogenerate_warns_about_up_sql_alone_and_names_it() {
    let p = Project::empty();
    p.package(".", "app");
    p.cmd(["init"]).run().code(0);
    p.cmd(["generate", "-m", "create users"]).run().code(0);
    let users = folder(&p, "create_users");
    std::fs::write(
        users.join("up.sql"),
        "CREATE TABLE users (id INTEGER PRIMARY KEY NOT NULL, name TEXT NOT NULL);\n",
    )
    .expect("up.sql");
    std::fs::write(users.join("down.sql"), "DROP TABLE users;\n").expect("down.sql");
    p.cmd(["upgrade"]).run().code(0);
    let schema_rs = p.path().join("src/schema.rs");
    let text = std::fs::read_to_string(&schema_rs).expect("schema.rs");

    // Additive: down.sql drops the new column, up.sql loses nothing.
    let added = text.replace(
        "name -> Text,",
        "name -> Text,\n        email -> Nullable<Text>,",
    );
    assert_ne!(added, text, "schema.rs has the name column:\n{text}");
    std::fs::write(&schema_rs, &added).expect("edit schema.rs");
    let out = p
        .cmd(["generate", "--autogenerate", "-m", "add email"])
        .run();
    out.code(0);
    assert!(
        out.stderr.contains("Detected added column"),
        "{}",
        out.stderr
    );
    assert!(!out.stderr.contains("destructive"), "{}", out.stderr);
    let email = folder(&p, "add_email");
    let down = std::fs::read_to_string(email.join("down.sql")).expect("down.sql");
    assert!(
        down.contains("-- destructive:"),
        "down.sql marks its drop:\n{down}"
    );
    p.cmd(["upgrade"]).run().code(0);

    // Destructive: dropping the column again is counted, with the file.
    let text = std::fs::read_to_string(&schema_rs).expect("schema.rs");
    let dropped = text.replace("        email -> Nullable<Text>,\n", "");
    assert_ne!(
        dropped, text,
        "upgrade rewrote schema.rs with email:\n{text}"
    );
    std::fs::write(&schema_rs, dropped).expect("edit schema.rs");
    let out = p
        .cmd(["generate", "--autogenerate", "-m", "drop email"])
        .run();
    out.code(0);
    let drop = folder(&p, "drop_email");
    let name = drop
        .file_name()
        .expect("a folder name")
        .to_string_lossy()
        .into_owned();
    assert!(
        out.stderr.contains(&format!(
            "warning: 1 change(s) in migrations/{name}/up.sql marked `-- destructive:` can lose data: review them before upgrading"
        )),
        "{}",
        out.stderr
    );
}

#[test]
fn help_says_check_finds_drift() {
    let out = Project::empty().cmd(["--help"]).run();
    out.code(0);
    let check = out
        .stdout
        .lines()
        .skip_while(|l| !l.trim_start().starts_with("check"))
        .take_while(|l| !l.trim_start().starts_with("lint"))
        .collect::<Vec<_>>()
        .join(" ");
    assert!(check.contains("drifted"), "{}", out.stdout);
}

#[test]
fn version_names_the_backends_this_binary_has() {
    let p = Project::with_ini("[schema]\n");
    let out = p.cmd(["--version"]).run();
    out.code(0);
    let mut lines = out.stdout.lines();
    assert_eq!(
        lines.next(),
        Some(concat!("cargo-schema ", env!("CARGO_PKG_VERSION")))
    );
    let backends = lines.next().expect("a second line");
    let listed = backends
        .strip_prefix("backends: ")
        .unwrap_or_else(|| panic!("{}", out.stdout));
    // Each backend is listed exactly when the binary takes its URLs (with
    // SCHEMA_TEST_BIN, CI runs this against one-backend builds too).
    let probes = [
        ("sqlite", "sqlite://app.db", "sqlite (bundled libsqlite3)"),
        (
            "postgres",
            "postgres://u@127.0.0.1/db",
            "postgres (tokio-postgres, pure Rust; TLS by rustls)",
        ),
        (
            "mysql",
            "mysql://u@127.0.0.1/db",
            "mysql (mysql_async, pure Rust; TLS by rustls)",
        ),
    ];
    for (backend, url, label) in probes {
        let config = p
            .cmd(["-c", "schema.ini", "config", "--format", "json"])
            .env("DATABASE_URL", url)
            .run();
        let compiled = !config.all_output().contains("backend_not_enabled");
        assert_eq!(
            listed.contains(label),
            compiled,
            "{backend}: --version says {listed:?}, config said:\n{}",
            config.all_output()
        );
    }
}

#[test]
fn set_section_with_the_empty_name_sets_a_default_every_section_sees() {
    let p = Project::with_ini(
        "[schema]\ndiesel.url = sqlite://schema.db\n[production]\ndiesel.url = sqlite://prod.db\n",
    );
    for section in ["schema", "production"] {
        let out = p
            .config_json(&["-n", section, "--set-section", "", "diesel.pool_size=9"])
            .run();
        out.code(0);
        assert_eq!(
            out.json()["effective"]["pool_size"],
            json!({"value": 9, "source": "command line --set"}),
            "-n {section}"
        );
    }
}

#[test]
fn man_writes_a_page_per_command_that_man_renders() {
    let p = Project::empty();
    let out = p.cmd(["man", "--out", "pages"]).run();
    out.code(0);
    let mut pages: Vec<String> = std::fs::read_dir(p.path().join("pages"))
        .expect("man wrote the folder")
        .map(|e| {
            e.expect("an entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    pages.sort();
    // One page per command `--help` lists, and one for the whole.
    let help = p.cmd(["--help"]).run();
    let mut expected: Vec<String> = help
        .stdout
        .lines()
        .skip_while(|l| *l != "Commands:")
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        // A command's line, not the wrapped rest of a description.
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(|c| format!("cargo-schema-{c}.1"))
        .collect();
    expected.push("cargo-schema.1".to_owned());
    expected.sort();
    assert!(expected.len() > 15, "{}", help.stdout);
    assert_eq!(pages, expected);
    assert!(
        out.stderr
            .contains(&format!("Wrote {} manual pages into pages", expected.len())),
        "{}",
        out.stderr
    );

    let upgrade =
        std::fs::read_to_string(p.path().join("pages/cargo-schema-upgrade.1")).expect("a page");
    assert!(upgrade.contains(".TH cargo-schema-upgrade 1"), "{upgrade}");
    // Rendered by man itself, when the machine has it.
    if let Ok(rendered) = std::process::Command::new("man")
        .args(["-l", "-P", "cat"])
        .arg(p.path().join("pages/cargo-schema-upgrade.1"))
        .env("MANWIDTH", "100")
        .output()
    {
        let text = String::from_utf8_lossy(&rendered.stdout);
        assert!(rendered.status.success(), "{text}");
        assert!(text.contains("Apply revisions up to TARGET"), "{text}");
        assert!(text.contains("--sql"), "{text}");
    } else {
        let _: Option<()> = schema_test_support::unavailable("man (to render the manual pages)");
    }
}

#[test]
fn completions_on_path_call_back_the_command_by_name() {
    let p = Project::empty();
    let here = p.cmd(["completions", "bash"]).run();
    here.code(0);
    let binary = bin().display().to_string();
    assert!(here.stdout.contains(&binary), "{}", here.stdout);
    let packaged = p.cmd(["completions", "bash", "--on-path"]).run();
    packaged.code(0);
    assert!(!packaged.stdout.contains(&binary), "{}", packaged.stdout);
    assert_eq!(
        packaged.stdout,
        here.stdout.replace(&binary, "cargo-schema"),
        "the same script, calling back `cargo-schema`"
    );
}
