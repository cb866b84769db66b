//! Connection failures: every command that needs the database exits 1 with
//! a message naming where it tried to connect, and never the password.

use super::{Backend, Ctx};

const PASSWORD: &str = "Wr0ngS3cret";

/// Commands that connect.
const CONNECTING: &[&[&str]] = &[
    &["upgrade"],
    &["downgrade", "base"],
    &["current"],
    &["history", "--indicate-current"],
    &["check"],
    &["stamp", "head"],
];

/// Run every connecting command with DATABASE_URL = `url`: each exits 1
/// naming `place`, with the password masked.
#[track_caller]
fn assert_refused(ctx: &Ctx, url: &str, place: &str, cause: &[&str]) {
    for args in CONNECTING {
        let mut all = vec!["-c", "schema.ini"];
        all.extend_from_slice(args);
        let out = ctx.project.cmd(all).env("DATABASE_URL", url).run();
        out.code(1);
        assert!(
            out.stderr.starts_with("error: cannot connect to "),
            "{args:?}: {}",
            out.stderr
        );
        assert!(
            out.stderr.contains(place),
            "{place} in {args:?}: {}",
            out.stderr
        );
        for word in cause {
            assert!(
                out.stderr.contains(word),
                "{word} in {args:?}: {}",
                out.stderr
            );
        }
        assert!(
            !out.all_output().contains(PASSWORD),
            "{args:?}: {}",
            out.all_output()
        );
        if url.contains(PASSWORD) {
            assert!(out.stderr.contains(":***@"), "{args:?}: {}", out.stderr);
        }
        assert_eq!(out.stdout, "", "{args:?}");
    }
}

fn unreachable_server(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.table_chain(2, "u");
    match backend {
        Backend::Sqlite => {
            let path = "/nonexistent-cargo-schema-dir/app.db";
            assert_refused(&ctx, &format!("sqlite://{path}"), path, &[]);
        }
        Backend::Postgres => assert_refused(
            &ctx,
            &format!("postgres://app:{PASSWORD}@127.0.0.1:1/app"),
            "127.0.0.1",
            &["port 1"],
        ),
        Backend::Mysql => assert_refused(
            &ctx,
            &format!("mysql://app:{PASSWORD}@127.0.0.1:1/app"),
            "127.0.0.1",
            &[],
        ),
    }
    // Nothing was created where the test database is.
    assert!(ctx.db.tables().is_empty());
}

on_backends!(unreachable_server);

/// The server answers but refuses the credentials.
fn wrong_password(backend: Backend) {
    let Some(ctx) = Ctx::new(backend, "") else {
        return;
    };
    ctx.table_chain(2, "w");
    let url = match backend {
        // A role that does not exist: refused whether the server checks
        // passwords or trusts local connections.
        Backend::Postgres => ctx
            .db
            .url_with_credentials(Some("cs_no_such_role"), PASSWORD),
        _ => ctx.db.url_with_credentials(None, PASSWORD),
    };
    let host = ctx.db.host_port();
    let host = host.split(':').next().unwrap_or_default();
    assert_refused(&ctx, &url, host, &[]);
    assert!(ctx.db.tables().is_empty());
}

on_backends!(wrong_password: postgres => Postgres, mysql => Mysql);
