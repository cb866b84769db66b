//! The pure-Rust drivers keep what users of libpq and libmysqlclient rely
//! on (README, "Database drivers"): the `PG*` and `MYSQL_*` variables,
//! `~/.pgpass`, Unix sockets, and TLS by `sslmode` / `ssl_mode` to servers
//! that require it. The roles and TLS set-up come from `.ci/tls-servers.sh`;
//! without them these tests skip with a printed reason (and fail when
//! `SCHEMA_TEST_REQUIRE_DATABASES` is set).

use std::os::unix::fs::PermissionsExt;
use std::path::Path;

use super::{Backend, Ctx};
use schema_test_support::{server, unavailable, ServerUrl};

/// The server certificate `.ci/tls-servers.sh` makes both servers serve.
const SERVER_CERT: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
/// The password `.ci/tls-servers.sh` gives the role `schema_pw`.
const PG_PASSWORD: &str = "pw-from-the-environment";

/// A context on `backend` whose server has the roles of
/// `.ci/tls-servers.sh`, or `None` (skipped, said why).
fn ctx_with_roles(backend: Backend) -> Option<(Ctx, ServerUrl, String)> {
    let ctx = Ctx::new(backend, "")?;
    let check = match backend {
        Backend::Postgres => {
            "SELECT count(*) FROM pg_roles WHERE rolname IN ('schema_tls_only', 'schema_pw')"
        }
        _ => "SELECT count(*) FROM mysql.user WHERE user = 'schema_tls_only'",
    };
    let want = if backend == Backend::Postgres {
        "2"
    } else {
        "1"
    };
    if ctx.db.query(check) != [want] || !Path::new(SERVER_CERT).exists() {
        let reason = format!("the {backend} roles and TLS of .ci/tls-servers.sh are not set up");
        return unavailable(&reason);
    }
    if backend == Backend::Postgres {
        // PostgreSQL 15 and later: only the owner may create in `public`.
        // The bookkeeping tables may be the admin's, from an earlier step.
        ctx.db.exec(
            "GRANT ALL ON SCHEMA public TO schema_tls_only, schema_pw; \
             ALTER DEFAULT PRIVILEGES IN SCHEMA public \
             GRANT ALL ON TABLES TO schema_tls_only, schema_pw",
        );
    }
    let server = server(backend);
    let name = ServerUrl::parse(ctx.db.url()).database;
    ctx.table_chain(2, "d");
    Some((ctx, server, name))
}

/// `upgrade` with `url` and extra variables; the outcome's exit code.
fn upgrade(ctx: &Ctx, url: &str, vars: &[(&str, &str)]) -> crate::support::Outcome {
    let mut cmd = ctx
        .project
        .cmd(["-c", "schema.ini", "upgrade"])
        .env("DATABASE_URL", url);
    for (k, v) in vars {
        cmd = cmd.env(k, v);
    }
    cmd.run()
}

#[test]
fn postgres_reads_the_pg_variables_and_pgpass() {
    let Some((ctx, server, db)) = ctx_with_roles(Backend::Postgres) else {
        return;
    };
    let port = server.port.to_string();
    // Nothing in the URL but the database: host, port and user from PG*.
    let out = upgrade(
        &ctx,
        &format!("postgres:///{db}"),
        &[
            ("PGHOST", &server.host),
            ("PGPORT", &port),
            ("PGUSER", &server.user),
        ],
    );
    out.code(0);
    assert_eq!(ctx.db.user_tables(), ["d000", "d001"]);
    ctx.run(&["downgrade", "base"]).code(0);

    // A role that must give a password: none gives none...
    let url = format!("postgres://schema_pw@{}:{port}/{db}", server.host);
    let none = tempfile::tempdir().unwrap();
    let missing = none.path().join("no-pgpass");
    let out = upgrade(&ctx, &url, &[("PGPASSFILE", missing.to_str().unwrap())]);
    out.code(1);
    assert!(out.stderr.contains("password"), "{}", out.stderr);
    // ...PGPASSWORD does...
    upgrade(
        &ctx,
        &url,
        &[
            ("PGPASSWORD", PG_PASSWORD),
            ("PGPASSFILE", missing.to_str().unwrap()),
        ],
    )
    .code(0);
    ctx.run(&["downgrade", "base"]).code(0);
    // ...and so does a .pgpass line, as libpq reads it (wildcards; a file
    // others can read is ignored).
    let pgpass = none.path().join("pgpass");
    std::fs::write(
        &pgpass,
        format!(
            "# test\nelsewhere:*:*:*:wrong\n{}:{port}:*:schema_pw:{PG_PASSWORD}\n",
            server.host
        ),
    )
    .unwrap();
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o600)).unwrap();
    let out = upgrade(&ctx, &url, &[("PGPASSFILE", pgpass.to_str().unwrap())]);
    out.code(0);
    assert!(
        !out.all_output().contains(PG_PASSWORD),
        "{}",
        out.all_output()
    );
    assert_eq!(ctx.db.user_tables(), ["d000", "d001"]);
    ctx.run(&["downgrade", "base"]).code(0);
    std::fs::set_permissions(&pgpass, std::fs::Permissions::from_mode(0o644)).unwrap();
    upgrade(&ctx, &url, &[("PGPASSFILE", pgpass.to_str().unwrap())]).code(1);
}

#[test]
fn postgres_through_a_unix_socket() {
    let Some((ctx, server, db)) = ctx_with_roles(Backend::Postgres) else {
        return;
    };
    let dir = "/var/run/postgresql";
    if !Path::new(&format!("{dir}/.s.PGSQL.{}", server.port)).exists() {
        return schema_test_support::unavailable(&format!("no PostgreSQL socket in {dir}"))
            .unwrap_or(());
    }
    // The socket directory percent-encoded as the host, as libpq reads it.
    upgrade(
        &ctx,
        &format!(
            "postgres://{}@%2Fvar%2Frun%2Fpostgresql:{}/{db}",
            server.user, server.port
        ),
        &[],
    )
    .code(0);
    assert_eq!(ctx.db.user_tables(), ["d000", "d001"]);
    ctx.run(&["downgrade", "base"]).code(0);
    // `host=` in the query, and sslmode=require is moot on a socket (libpq
    // never uses TLS there).
    upgrade(
        &ctx,
        &format!(
            "postgres:///{db}?host={dir}&port={}&user={}&sslmode=require",
            server.port, server.user
        ),
        &[],
    )
    .code(0);
    assert_eq!(ctx.db.user_tables(), ["d000", "d001"]);
}

#[test]
fn postgres_tls_by_sslmode_to_a_server_that_requires_it() {
    let Some((ctx, server, db)) = ctx_with_roles(Backend::Postgres) else {
        return;
    };
    let url = |host: &str, query: &str| {
        format!(
            "postgres://schema_tls_only@{host}:{}/{db}{query}",
            server.port
        )
    };
    let host = server.host.as_str();
    // The server admits this role only over TLS.
    let out = upgrade(&ctx, &url(host, "?sslmode=disable"), &[]);
    out.code(1);
    assert!(out.stderr.contains("no encryption"), "{}", out.stderr);
    let out = upgrade(&ctx, &url(host, ""), &[("PGSSLMODE", "disable")]);
    out.code(1);
    assert!(out.stderr.contains("no encryption"), "{}", out.stderr);
    // prefer (the default) and require encrypt without checking the
    // certificate; verify-ca checks it against sslrootcert.
    for query in [
        String::new(),
        "?sslmode=require".to_owned(),
        format!("?sslmode=verify-ca&sslrootcert={SERVER_CERT}"),
    ] {
        let out = upgrade(&ctx, &url(host, &query), &[]);
        out.code(0);
        ctx.run(&["downgrade", "base"]).code(0);
    }
    // verify-full also checks the name: the certificate is for localhost.
    let out = upgrade(
        &ctx,
        &url(
            host,
            &format!("?sslmode=verify-full&sslrootcert={SERVER_CERT}"),
        ),
        &[],
    );
    out.code(1);
    assert!(out.stderr.contains("not valid for name"), "{}", out.stderr);
    upgrade(
        &ctx,
        &url(
            "localhost",
            &format!("?sslmode=verify-full&sslrootcert={SERVER_CERT}"),
        ),
        &[],
    )
    .code(0);
    // A root certificate that is not there is named.
    let out = upgrade(
        &ctx,
        &url(host, "?sslmode=verify-ca&sslrootcert=/nonexistent/root.crt"),
        &[],
    );
    out.code(1);
    assert!(
        out.stderr.contains("/nonexistent/root.crt"),
        "{}",
        out.stderr
    );
}

#[test]
fn mysql_reads_the_mysql_variables_and_the_socket() {
    let Some((ctx, server, db)) = ctx_with_roles(Backend::Mysql) else {
        return;
    };
    let port = server.port.to_string();
    // No host in the URL: MYSQL_HOST and MYSQL_TCP_PORT; the user is the
    // login name of the process (`USER`, made the server admin's here,
    // whoever that is, and its password from MYSQL_PWD).
    upgrade(
        &ctx,
        &format!("mysql:///{db}"),
        &[
            ("MYSQL_HOST", &server.host),
            ("MYSQL_TCP_PORT", &port),
            ("USER", &server.user),
            ("MYSQL_PWD", &server.password),
        ],
    )
    .code(0);
    assert_eq!(ctx.db.user_tables(), ["d000", "d001"]);
    ctx.run(&["downgrade", "base"]).code(0);
    // `localhost` is the Unix socket, as with libmysqlclient: a TCP port
    // that nothing listens on does not matter then.
    let socket = "/run/mysqld/mysqld.sock";
    if Path::new(socket).exists() {
        upgrade(
            &ctx,
            &format!("mysql://{}@localhost:1/{db}", server.user),
            &[],
        )
        .code(0);
        assert_eq!(ctx.db.user_tables(), ["d000", "d001"]);
        ctx.run(&["downgrade", "base"]).code(0);
        upgrade(
            &ctx,
            &format!(
                "mysql://{}@localhost:1/{db}?unix_socket=/nonexistent.sock",
                server.user
            ),
            &[],
        )
        .code(1);
    } else {
        schema_test_support::unavailable::<()>(&format!("no MariaDB socket at {socket}"));
    }
}

#[test]
fn mysql_tls_by_ssl_mode_to_a_server_that_requires_it() {
    let Some((ctx, server, db)) = ctx_with_roles(Backend::Mysql) else {
        return;
    };
    let url = |query: &str| {
        format!(
            "mysql://schema_tls_only@{}:{}/{db}{query}",
            server.host, server.port
        )
    };
    // The user requires TLS: without ssl_mode (as the MariaDB client
    // library) and with DISABLED, the server refuses.
    for query in ["", "?ssl_mode=DISABLED"] {
        let out = upgrade(&ctx, &url(query), &[]);
        out.code(1);
        assert!(out.stderr.contains("Access denied"), "{}", out.stderr);
    }
    for query in ["?ssl_mode=REQUIRED", "?ssl_mode=PREFERRED"] {
        upgrade(&ctx, &url(query), &[]).code(0);
        assert_eq!(ctx.db.user_tables(), ["d000", "d001"]);
        ctx.run(&["downgrade", "base"]).code(0);
    }
    // VERIFY_IDENTITY checks the name: the certificate is for localhost.
    let out = upgrade(
        &ctx,
        &url(&format!("?ssl_mode=VERIFY_IDENTITY&ssl_ca={SERVER_CERT}")),
        &[],
    );
    out.code(1);
    assert!(out.stderr.contains("not valid for name"), "{}", out.stderr);
    let out = upgrade(&ctx, &url("?ssl_mode=VERIFY_CA"), &[]);
    out.code(1);
    assert!(out.stderr.contains("ssl_ca"), "{}", out.stderr);
}
