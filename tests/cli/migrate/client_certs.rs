//! Client certificates (README, "Database drivers": `sslcert`/`sslkey` on
//! PostgreSQL, `ssl_cert`/`ssl_key` on MySQL/MariaDB): both servers demand
//! of the user `schema_cert` a certificate from the test CA naming it, and
//! its password (`.ci/tls-servers.sh` sets this up; without it these tests
//! skip with a printed reason, and fail when `SCHEMA_TEST_REQUIRE_DATABASES`
//! is set). The certificate reaches the command from schema.ini, from the
//! URL and (PostgreSQL) from `PGSSLCERT`/`PGSSLKEY`; without it, or with
//! one the server does not trust, the server refuses. The key lives under
//! a folder whose name needs escaping in a URL, and the password is never
//! printed, whether the connection works or not.

use std::os::unix::fs::PermissionsExt;
use std::path::{Path, PathBuf};

use super::{Backend, Ctx};
use crate::support::Outcome;
use schema_test_support::{server, unavailable, ServerUrl};

/// Where `.ci/tls-servers.sh` writes the test CA and its certificates.
const CA_DIR: &str = "/etc/cargo-schema-tls";
/// The server certificate both servers serve (see drivers.rs).
const SERVER_CERT: &str = "/etc/ssl/certs/ssl-cert-snakeoil.pem";
/// `schema_cert`'s password, given with the certificate.
const PASSWORD: &str = "pw-beside-the-certificate";
/// A folder name with what a URL must escape (space, `&`, `%`, `+`, `#`).
const ODD_DIR: &str = "keys & 100% +sure #1";

/// The client certificate and key, copied where a test wants them (the
/// key readable by its owner only, as libpq asks of a key file).
struct Pair {
    cert: PathBuf,
    key: PathBuf,
}

/// `name`'s certificate and its key `{name}{key_ext}` (`.key` PKCS#8, as
/// `openssl req` writes it; `.rsa.key` PKCS#1) copied into `into`.
fn copy_pair(name: &str, key_ext: &str, into: &Path) -> Pair {
    std::fs::create_dir_all(into).expect("make the folder for the pair");
    let pair = Pair {
        cert: into.join(format!("{name}.crt")),
        key: into.join(format!("{name}{key_ext}")),
    };
    std::fs::copy(format!("{CA_DIR}/{name}.crt"), &pair.cert).expect("copy the certificate");
    std::fs::copy(format!("{CA_DIR}/{name}{key_ext}"), &pair.key).expect("copy the key");
    std::fs::set_permissions(&pair.key, std::fs::Permissions::from_mode(0o600))
        .expect("make the key private");
    pair
}

/// `text` percent-encoded for a URL's query (every byte but unreserved
/// ones and `/`).
fn escape(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'.' | b'_' | b'~' | b'/' => {
                (b as char).to_string()
            }
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A context on `backend` whose server has `schema_cert` and the test CA
/// of `.ci/tls-servers.sh`, two revisions, and the server's address; or
/// `None` (skipped, said why).
fn ctx_with_cert_user(backend: Backend) -> Option<(Ctx, ServerUrl, String)> {
    let ctx = Ctx::new(backend, "")?;
    let check = match backend {
        Backend::Postgres => "SELECT count(*) FROM pg_roles WHERE rolname = 'schema_cert'",
        _ => "SELECT count(*) FROM mysql.user WHERE user = 'schema_cert'",
    };
    if ctx.db.query(check) != ["1"] || !Path::new(&format!("{CA_DIR}/stranger.rsa.key")).exists() {
        let reason = format!(
            "the {backend} user schema_cert and the test CA of .ci/tls-servers.sh are not set up"
        );
        return unavailable(&reason);
    }
    if backend == Backend::Postgres {
        // PostgreSQL 15 and later: only the owner may create in `public`.
        ctx.db.exec(
            "GRANT ALL ON SCHEMA public TO schema_cert; \
             ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT ALL ON TABLES TO schema_cert",
        );
    }
    let name = ServerUrl::parse(ctx.db.url()).database;
    ctx.table_chain(2, "c");
    Some((ctx, server(backend), name))
}

/// `cargo-schema -c schema.ini ARGS` with `DATABASE_URL` and `vars`.
fn run(ctx: &Ctx, args: &[&str], url: &str, vars: &[(&str, &str)]) -> Outcome {
    let mut all = vec!["-c", "schema.ini"];
    all.extend_from_slice(args);
    let mut cmd = ctx.project.cmd(all).env("DATABASE_URL", url);
    for (k, v) in vars {
        cmd = cmd.env(k, v);
    }
    let out = cmd.run();
    assert!(
        !out.all_output().contains(PASSWORD),
        "the password was printed:\n{}",
        out.all_output()
    );
    out
}

/// No line of the PEM file `file` (but its armour) is in the output.
fn assert_no_text_of(out: &Outcome, file: &Path) {
    let text = std::fs::read_to_string(file).expect("read the PEM file");
    for line in text.lines().filter(|l| !l.starts_with("-----")) {
        assert!(
            !out.all_output().contains(line),
            "{} shown:\n{}",
            file.display(),
            out.all_output()
        );
    }
}

/// `current` printed the head revision: the command read the database.
fn assert_at_head(out: &Outcome, head: &str) {
    out.code(0);
    assert!(out.stdout.contains(head), "{}", out.all_output());
}

#[test]
fn postgres_client_certificate_from_ini_url_and_environment() {
    let Some((ctx, server, db)) = ctx_with_cert_user(Backend::Postgres) else {
        return;
    };
    let head = "20240101000001";
    let base = format!(
        "postgres://schema_cert:{PASSWORD}@{}:{}/{db}?sslmode=verify-ca&sslrootcert={SERVER_CERT}",
        server.host, server.port
    );

    // Without a certificate the server refuses (pg_hba.conf's
    // clientcert=verify-full), and says why.
    let out = run(&ctx, &["current"], &base, &[]);
    out.code(1);
    assert!(
        out.stderr.contains("requires a valid client certificate"),
        "{}",
        out.stderr
    );

    // From schema.ini: the files beside it, through %(here)s; the password
    // from PGPASSWORD, so the ini holds none.
    copy_pair("client", ".key", &ctx.root());
    ctx.project.file(
        "schema.ini",
        format!(
            "[schema]\nscript_location = %(here)s/migrations\n\
             diesel.url = postgres://schema_cert@{}:{}/{db}?sslmode=verify-ca\
             &sslrootcert={SERVER_CERT}&sslcert=%(here)s/client.crt&sslkey=%(here)s/client.key\n",
            server.host, server.port
        ),
    );
    run(&ctx, &["upgrade", "head"], "", &[("PGPASSWORD", PASSWORD)]).code(0);
    assert_eq!(ctx.db.user_tables(), ["c000", "c001"]);
    assert_at_head(
        &run(&ctx, &["current"], "", &[("PGPASSWORD", PASSWORD)]),
        head,
    );
    // ...and without the password the server refuses all the same.
    let out = run(&ctx, &["current"], "", &[("PGPASSFILE", "/nonexistent")]);
    out.code(1);
    assert!(out.stderr.contains("password"), "{}", out.stderr);

    // From the URL, under a folder whose name is escaped there.
    ctx.ini("");
    let odd = tempfile::tempdir().unwrap();
    let pair = copy_pair("client", ".key", &odd.path().join(ODD_DIR));
    let with_cert = format!(
        "{base}&sslcert={}&sslkey={}",
        escape(pair.cert.to_str().unwrap()),
        escape(pair.key.to_str().unwrap())
    );
    assert_at_head(&run(&ctx, &["current"], &with_cert, &[]), head);

    // From PGSSLCERT and PGSSLKEY, the paths as they are.
    assert_at_head(
        &run(
            &ctx,
            &["current"],
            &base,
            &[
                ("PGSSLCERT", pair.cert.to_str().unwrap()),
                ("PGSSLKEY", pair.key.to_str().unwrap()),
            ],
        ),
        head,
    );

    // A certificate naming the user but signed by no CA the server trusts.
    let stranger = copy_pair("stranger", ".key", &odd.path().join(ODD_DIR));
    let out = run(
        &ctx,
        &["current"],
        &format!(
            "{base}&sslcert={}&sslkey={}",
            escape(stranger.cert.to_str().unwrap()),
            escape(stranger.key.to_str().unwrap())
        ),
        &[],
    );
    out.code(1);

    // A key file that holds no key is named, and its text not shown.
    let out = run(
        &ctx,
        &["current"],
        &format!(
            "{base}&sslcert={}&sslkey={}",
            escape(pair.cert.to_str().unwrap()),
            escape(pair.cert.to_str().unwrap())
        ),
        &[],
    );
    out.code(1);
    assert!(
        out.stderr
            .contains(&format!("sslkey {}", pair.cert.display())),
        "{}",
        out.stderr
    );
    assert_no_text_of(&out, &pair.cert);
    assert_no_text_of(&out, &pair.key);
}

#[test]
fn mysql_client_certificate_from_ini_and_url() {
    let Some((ctx, server, db)) = ctx_with_cert_user(Backend::Mysql) else {
        return;
    };
    let head = "20240101000001";
    // REQUIRED: encrypted, the server's certificate unchecked (with ssl_ca,
    // mysql_async would check its name too, and it is for localhost only:
    // README, "Known limit").
    let base = format!(
        "mysql://schema_cert:{PASSWORD}@{}:{}/{db}?ssl_mode=REQUIRED",
        server.host, server.port
    );

    // Without a certificate the server refuses. (Its "Access denied for
    // user 'schema_cert'@..." loses its start to the password mask, which
    // runs to the message's last `@`: see secret::password_ranges.)
    let out = run(&ctx, &["current"], &base, &[]);
    out.code(1);
    assert!(
        out.stderr.contains("(using password: YES)"),
        "{}",
        out.stderr
    );

    // From schema.ini, beside it through %(here)s; the password from the
    // environment (MYSQL_PWD), so the ini holds none.
    copy_pair("client", ".rsa.key", &ctx.root());
    ctx.project.file(
        "schema.ini",
        format!(
            "[schema]\nscript_location = %(here)s/migrations\n\
             diesel.url = mysql://schema_cert@{}:{}/{db}?ssl_mode=REQUIRED\
             &ssl_cert=%(here)s/client.crt&ssl_key=%(here)s/client.rsa.key\n",
            server.host, server.port
        ),
    );
    run(&ctx, &["upgrade", "head"], "", &[("MYSQL_PWD", PASSWORD)]).code(0);
    assert_eq!(ctx.db.user_tables(), ["c000", "c001"]);
    assert_at_head(
        &run(&ctx, &["current"], "", &[("MYSQL_PWD", PASSWORD)]),
        head,
    );

    // From the URL, under a folder whose name is escaped there.
    ctx.ini("");
    let odd = tempfile::tempdir().unwrap();
    let pair = copy_pair("client", ".rsa.key", &odd.path().join(ODD_DIR));
    let url = |pair: &Pair| {
        format!(
            "{base}&ssl_cert={}&ssl_key={}",
            escape(pair.cert.to_str().unwrap()),
            escape(pair.key.to_str().unwrap())
        )
    };
    assert_at_head(&run(&ctx, &["current"], &url(&pair), &[]), head);

    // A certificate naming the user but signed by no CA the server trusts.
    let stranger = copy_pair("stranger", ".rsa.key", &odd.path().join(ODD_DIR));
    run(&ctx, &["current"], &url(&stranger), &[]).code(1);

    // A PKCS#8 key (what `openssl req` writes), which the driver cannot
    // read, is named with the way out, before connecting.
    let pkcs8 = copy_pair("client", ".key", &odd.path().join(ODD_DIR));
    let out = run(&ctx, &["current"], &url(&pkcs8), &[]);
    out.code(1);
    assert!(
        out.stderr.contains(&format!(
            "ssl_key {}: not an RSA key in PKCS#1 form",
            pkcs8.key.display()
        )) && out.stderr.contains("openssl rsa"),
        "{}",
        out.stderr
    );
    assert_no_text_of(&out, &pkcs8.key);

    // Half a pair is refused before connecting.
    let out = run(
        &ctx,
        &["current"],
        &format!("{base}&ssl_cert={}", escape(pair.cert.to_str().unwrap())),
        &[],
    );
    out.code(1);
    assert!(
        out.stderr.contains("ssl_cert and ssl_key go together"),
        "{}",
        out.stderr
    );
}
