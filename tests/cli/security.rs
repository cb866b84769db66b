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
