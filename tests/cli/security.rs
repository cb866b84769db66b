//! Issue 34's reproductions that need no database server: long values,
//! untrusted files, and what `init` writes.

use crate::support::Project;

/// Item 11: `config` panicked ("Formatting argument out of range", exit
/// 101) on any value over 65 535 characters.
#[test]
fn config_prints_a_value_longer_than_u16_max() {
    let long = "x".repeat(70_000);
    let p = Project::with_ini(&format!(
        "[schema]\ndiesel.url = sqlite://app.db\ngreeting = {long}\n"
    ));
    let out = p.config_text(&[]).run();
    out.code(0);
    assert!(out.stdout.contains(&long));
}

/// Items 5 and 6: a password holding `'`, `"`, `<`, `>`, a backtick or a
/// space, and `?password=` / `sslpassword=` in the query string, never
/// show: in `config` (text and JSON) nor in a connection error.
#[test]
fn odd_passwords_and_credential_parameters_never_show() {
    let urls = [
        "postgres://app:Pw'Sekr3t@127.0.0.1:1/x",
        "postgres://app:Pw\"Sekr3t@127.0.0.1:1/x",
        "postgres://app:Pw<Sekr3t>@127.0.0.1:1/x",
        "postgres://app:Pw`Sekr3t@127.0.0.1:1/x",
        "postgres://app:Pw Sekr3t@127.0.0.1:1/x",
        "postgres://app@127.0.0.1:1/x?password=Sekr3t",
        "postgres://app@127.0.0.1:1/x?sslmode=disable&sslpassword=Sekr3t",
        "mysql://app:Pw'Sekr3t@127.0.0.1:1/x",
        "mysql://app@127.0.0.1:1/x?password=Sekr3t",
    ];
    for url in urls {
        let p = Project::with_ini("[schema]\ndiesel.url = ${DATABASE_URL}\n");
        p.file("migrations/.keep", "");
        for args in [
            &["config", "-c", "schema.ini"][..],
            &["config", "-c", "schema.ini", "--format", "json"],
            &["-c", "schema.ini", "current"],
            &["-c", "schema.ini", "history", "--format", "json"],
        ] {
            let out = p.cmd(args).env("DATABASE_URL", url).run();
            let all = out.all_output();
            assert!(!all.contains("Sekr3t"), "{url} {args:?}:\n{all}");
        }
    }
}

/// Item 7: `init` wrote `.env`, which holds the URL, with mode 0644.
/// Item 8: a `.gitignore` that is not UTF-8 was replaced by `.env` alone;
/// and a dangling `.env` link was followed out of the project.
#[cfg(unix)]
#[test]
fn init_keeps_secrets_private_and_other_files_whole() {
    use std::os::unix::fs::PermissionsExt;
    let p = Project::empty();
    let ignore: &[u8] = b"target/\n\xff\xfe latin-1 \xe9\n";
    p.file(".gitignore", ignore);
    p.cmd(["init", "."]).run().code(0);
    let env = std::fs::metadata(p.path().join(".env")).expect(".env");
    assert_eq!(env.permissions().mode() & 0o777, 0o600);
    let mut expected = ignore.to_vec();
    expected.extend_from_slice(b".env\n");
    assert_eq!(
        std::fs::read(p.path().join(".gitignore")).expect("read"),
        expected
    );

    let p = Project::empty();
    let outside = tempfile::tempdir().expect("temp");
    let target = outside.path().join("stolen.env");
    std::os::unix::fs::symlink(&target, p.path().join(".env")).expect("link");
    p.cmd(["init", "."]).run().code(0);
    assert!(!target.exists(), "init wrote through a dangling link");
}

/// Item 9: an id over 255 characters or a version over 50 was accepted,
/// and on MariaDB its DDL committed before the bookkeeping insert failed.
#[test]
fn over_long_ids_and_versions_are_refused_at_load_and_by_generate() {
    let p = Project::with_ini("[schema]\ndiesel.url = sqlite://app.db\n");
    let long = "a".repeat(256);
    p.file(
        "migrations/2024-01-01-000001_a/metadata.toml",
        format!("revision = \"{long}\"\n"),
    );
    p.file("migrations/2024-01-01-000001_a/up.sql", "SELECT 1;\n");
    let out = p.cmd(["-c", "schema.ini", "upgrade", "--sql"]).run();
    out.code(2);
    assert!(
        out.stderr.contains("2024-01-01-000001_a") && out.stderr.contains("at most 255"),
        "{}",
        out.stderr
    );
    std::fs::remove_dir_all(p.path().join("migrations/2024-01-01-000001_a")).expect("rm");
    let version = "1".repeat(51);
    p.file(&format!("migrations/{version}_b/up.sql"), "SELECT 1;\n");
    let out = p.cmd(["-c", "schema.ini", "history"]).run();
    out.code(2);
    assert!(out.stderr.contains("at most 50"), "{}", out.stderr);
    std::fs::remove_dir_all(p.path().join(format!("migrations/{version}_b"))).expect("rm");
    let out = p
        .cmd(["-c", "schema.ini", "generate", "-m", "x", "--rev-id", &long])
        .run();
    out.code(2);
    assert!(out.stderr.contains("at most 255"), "{}", out.stderr);
}

/// Item 12: an up.sql that is a FIFO hung, one linked to /dev/zero read
/// until memory ran out, and links out of the project were followed by
/// `show` and `--sql`. A UTF-8 BOM is stripped from SQL files.
#[cfg(unix)]
#[test]
fn untrusted_migration_files_are_read_safely() {
    let p = Project::with_ini("[schema]\ndiesel.url = sqlite://app.db\n");
    let dir = p.path().join("migrations/2024-01-01-000001_a");
    std::fs::create_dir_all(&dir).expect("mkdir");
    let fifo = std::process::Command::new("mkfifo")
        .arg(dir.join("up.sql"))
        .status()
        .expect("mkfifo");
    assert!(fifo.success());
    let out = p.cmd(["-c", "schema.ini", "upgrade", "--sql"]).run();
    out.code(2);
    assert!(out.stderr.contains("not a regular file"), "{}", out.stderr);

    std::fs::remove_file(dir.join("up.sql")).expect("rm");
    std::os::unix::fs::symlink("/dev/zero", dir.join("up.sql")).expect("link");
    let out = p.cmd(["-c", "schema.ini", "upgrade", "--sql"]).run();
    out.code(2);
    assert!(out.stderr.contains("up.sql"), "{}", out.stderr);

    let outside = tempfile::tempdir().expect("temp");
    let secret = outside.path().join("secret.txt");
    std::fs::write(&secret, "TOP-SECRET-CONTENT\n").expect("write");
    std::fs::remove_file(dir.join("up.sql")).expect("rm");
    std::os::unix::fs::symlink(&secret, dir.join("up.sql")).expect("link");
    for args in [&["upgrade", "--sql"][..], &["show", "head"]] {
        let mut all = vec!["-c", "schema.ini"];
        all.extend_from_slice(args);
        let out = p.cmd(all).run();
        out.code(2);
        assert!(!out.all_output().contains("TOP-SECRET"), "{args:?}");
        assert!(
            out.stderr.contains("outside the migrations folder"),
            "{}",
            out.stderr
        );
    }
    // Allowed by the setting.
    let out = p
        .cmd(["-c", "schema.ini", "upgrade", "--sql"])
        .env("SCHEMA_ALLOW_EXTERNAL_LINKS", "1")
        .run();
    out.code(0);

    std::fs::remove_file(dir.join("up.sql")).expect("rm");
    p.file(
        "migrations/2024-01-01-000001_a/up.sql",
        "\u{feff}CREATE TABLE t (id INT);\n",
    );
    let out = p.cmd(["-c", "schema.ini", "upgrade", "--sql"]).run();
    out.code(0);
    assert!(!out.stdout.contains('\u{feff}'));
    assert!(
        out.stdout.contains("\nCREATE TABLE t (id INT);"),
        "{}",
        out.stdout
    );
}
