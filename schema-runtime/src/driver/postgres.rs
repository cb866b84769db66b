//! PostgreSQL through tokio-postgres, reading a connection the way libpq
//! does, so a URL that works with `psql` and diesel's `PgConnection` works
//! here:
//!
//! * what the URL leaves out comes from `PGHOST`, `PGPORT`, `PGUSER`,
//!   `PGPASSWORD`, `PGDATABASE`, `PGSSLMODE`, `PGSSLROOTCERT`, `PGSSLCERT`,
//!   `PGSSLKEY`, `PGAPPNAME`, `PGCONNECT_TIMEOUT`, `PGOPTIONS`, then libpq's
//!   defaults: the Unix socket in `/var/run/postgresql` (Debian's libpq) or
//!   `/tmp`, port 5432, the login name as user and as database;
//! * a password the URL and `PGPASSWORD` leave out is looked up in
//!   `~/.pgpass` (or `PGPASSFILE`, or `passfile=`), with its `*` wildcards
//!   and `\` escapes, and `localhost` standing for a Unix socket;
//! * `postgres:///db?host=/run/postgresql` and a percent-encoded socket
//!   directory as the host (`postgres://%2Frun%2Fpostgresql/db`) connect
//!   through the socket, where libpq never uses TLS;
//! * `sslmode` with libpq's six values and `sslrootcert`, `sslcert`,
//!   `sslkey` (see `driver::tls`).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use diesel::ConnectionResult;
use diesel_async::AsyncPgConnection;
use tokio_postgres::config::{Host, SslMode};

use super::tls::{self, ClientCert, Roots, Verify};
use super::{bad, bad_with_causes, home, os_user, query_pairs};

/// [`connect`] on a connection's own runtime, for diesel's blocking API.
pub fn open(url: &str) -> ConnectionResult<super::PgConnection> {
    super::wrap(|| async { connect(url).await.map(super::scoped::Scoped::new) })
}

/// Connect as libpq would to `url` (a `postgres://` or `postgresql://`
/// URL), reading the environment of this process. The connection's
/// statement cache is off (see [`super::scoped`]).
pub async fn connect(url: &str) -> ConnectionResult<AsyncPgConnection> {
    let params = Params::resolve(url, &|name| std::env::var(name).ok())?;
    let failed = |e: tokio_postgres::Error| where_it_failed(&params.config, bad_with_causes(&e));
    match params.tls {
        None => {
            let (client, conn) = params
                .config
                .connect(tokio_postgres::NoTls)
                .await
                .map_err(failed)?;
            set_up(client, conn).await
        }
        Some(tls) => {
            let (client, conn) = params
                .config
                .connect(tokio_postgres_rustls::MakeRustlsConnect::new(tls))
                .await
                .map_err(failed)?;
            set_up(client, conn).await
        }
    }
}

/// Hand `client` and `conn` to diesel-async inside a transaction of ours.
///
/// diesel-async sets the session up (`SET TIME ZONE 'UTC'`, `SET
/// CLIENT_ENCODING TO 'UTF8'`) with two named prepared statements it
/// caches: through a transaction-mode pooler their `Parse` and `Bind` can
/// reach different server sessions, and what stays cached on one collides
/// with the next client's statement of the same name (`prepared statement
/// "s0" already exists`). In a transaction the pooler keeps one session;
/// turning the cache off closes the two statements before the `COMMIT`.
/// The settings stay with the session: PgBouncer tracks `TimeZone` and
/// `client_encoding` per client and sets them on each session it hands
/// this client.
async fn set_up<S>(
    client: tokio_postgres::Client,
    mut conn: tokio_postgres::Connection<tokio_postgres::Socket, S>,
) -> ConnectionResult<AsyncPgConnection>
where
    S: tokio_postgres::tls::TlsStream + Unpin + Send + 'static,
{
    use diesel::connection::CacheSize;
    use diesel_async::{AsyncConnection, SimpleAsyncConnection};
    use std::future::Future;
    use std::task::Poll;

    // The connection is driven here until the BEGIN is answered; diesel-
    // async drives it from then on.
    let begun = {
        let mut begin = std::pin::pin!(client.batch_execute("BEGIN"));
        std::future::poll_fn(|cx| {
            if let Poll::Ready(ended) = std::pin::Pin::new(&mut conn).poll(cx) {
                let why = ended
                    .err()
                    .map_or("the server closed the connection".to_owned(), |e| {
                        e.to_string()
                    });
                return Poll::Ready(Err(bad(why)));
            }
            begin.as_mut().poll(cx).map_err(|e| bad_with_causes(&e))
        })
        .await
    };
    begun?;
    let mut pg = AsyncPgConnection::try_from_client_and_connection(client, conn).await?;
    pg.set_prepared_statement_cache_size(CacheSize::Disabled);
    pg.batch_execute("COMMIT")
        .await
        .map_err(|e| bad(e.to_string()))?;
    Ok(pg)
}

/// Name the server in a failure to reach it, as libpq does ("connection to
/// server at "db", port 5433 failed: Connection refused"): the host and
/// port may have come from `PG*` variables rather than the URL.
fn where_it_failed(
    config: &tokio_postgres::Config,
    error: diesel::ConnectionError,
) -> diesel::ConnectionError {
    let message = error.to_string();
    let Some(cause) = message.strip_prefix("error connecting to server: ") else {
        return error;
    };
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let server = match config.get_hosts().first() {
        Some(Host::Tcp(host)) => format!("server at \"{host}\", port {port}"),
        Some(Host::Unix(dir)) => format!("server on socket \"{}/.s.PGSQL.{port}\"", dir.display()),
        None => "server".to_owned(),
    };
    bad(format!("connection to {server} failed: {cause}"))
}

/// A connection's parameters after libpq's fallbacks.
pub struct Params {
    /// What tokio-postgres connects with.
    pub config: tokio_postgres::Config,
    /// The TLS configuration, `None` for `sslmode=disable` or a socket.
    pub tls: Option<rustls::ClientConfig>,
    /// The effective `sslmode`.
    pub sslmode: String,
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // tokio-postgres's Config redacts the password in its Debug.
        f.debug_struct("Params")
            .field("config", &self.config)
            .field("sslmode", &self.sslmode)
            .finish()
    }
}

/// URL parameters libpq knows that tokio-postgres does not, or whose
/// meaning differs: handled here and kept out of tokio-postgres's parser.
const OURS: &[&str] = &[
    "sslmode",
    "sslrootcert",
    "sslcert",
    "sslkey",
    "passfile",
    "sslcompression",
    "requiressl",
];

impl Params {
    /// Read `url` as libpq does, with `env` for the `PG*` variables.
    pub fn resolve(url: &str, env: &dyn Fn(&str) -> Option<String>) -> ConnectionResult<Params> {
        let pairs = query_pairs(url);
        let param = |name: &str| -> Option<String> {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.clone())
        };
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let base = url.split_once('?').map_or(url, |(base, _)| base);
        // SQLAlchemy's multi-host form (`?host=h1:5432&host=h2:5433`)
        // names each host with its port; tokio-postgres would read
        // `h1:5432` as a host name.
        let host_ports: Vec<(String, u16)> = pairs
            .iter()
            .filter(|(k, _)| k == "host")
            .filter_map(|(_, v)| host_with_port(v))
            .collect();
        let mut passed: Vec<String> = Vec::new();
        for (k, v) in &pairs {
            if OURS.contains(&k.as_str()) || (k == "host" && host_with_port(v).is_some()) {
                continue;
            }
            let v = if k == "target_session_attrs" {
                session_attrs(v)?
            } else {
                v.as_str()
            };
            passed.push(format!("{}={}", k, encode(v)));
        }
        let stripped = if passed.is_empty() {
            base.to_owned()
        } else {
            format!("{base}?{}", passed.join("&"))
        };
        let mut config =
            tokio_postgres::Config::from_str(&stripped).map_err(|e| bad(e.to_string()))?;

        if !host_ports.is_empty() {
            if !config.get_hosts().is_empty() {
                return Err(bad(
                    "the URL names hosts both before the database and as `host=HOST:PORT` \
                     parameters: name them one way",
                ));
            }
            for (host, port) in &host_ports {
                config.host(host);
                config.port(*port);
            }
        }
        if config.get_hosts().is_empty() {
            match env("PGHOST") {
                Some(hosts) => {
                    for host in hosts.split(',') {
                        config.host(host);
                    }
                }
                None => {
                    config.host_path(default_socket_dir());
                }
            }
        }
        if config.get_ports().is_empty() {
            if let Some(port) = env("PGPORT") {
                let port = port
                    .parse::<u16>()
                    .map_err(|_| bad(format!("PGPORT `{port}` is not a port number")))?;
                config.port(port);
            }
        }
        let port = config.get_ports().first().copied().unwrap_or(5432);
        let user = match config.get_user() {
            Some(user) => user.to_owned(),
            None => env("PGUSER").or_else(os_user).ok_or_else(|| {
                bad("no user in the URL, PGUSER or the environment (USER): name one in the URL")
            })?,
        };
        config.user(&user);
        if config.get_dbname().is_none() {
            config.dbname(env("PGDATABASE").unwrap_or_else(|| user.clone()));
        }
        if config.get_application_name().is_none() {
            if let Some(name) = env("PGAPPNAME") {
                config.application_name(name);
            }
        }
        if config.get_options().is_none() {
            if let Some(options) = env("PGOPTIONS") {
                config.options(options);
            }
        }
        if config.get_connect_timeout().is_none() {
            if let Some(secs) = env("PGCONNECT_TIMEOUT").and_then(|s| s.parse::<u64>().ok()) {
                // libpq: a timeout under 2 s is 2 s; 0 waits forever.
                if secs > 0 {
                    config.connect_timeout(std::time::Duration::from_secs(secs.max(2)));
                }
            }
        }
        if config.get_password().is_none() {
            let password = env("PGPASSWORD").or_else(|| {
                let file = param("passfile")
                    .or_else(|| env("PGPASSFILE"))
                    .map(PathBuf::from)
                    .or_else(|| home().map(|h| h.join(".pgpass")))?;
                let dbname = config.get_dbname().unwrap_or_default().to_owned();
                let host = config.get_hosts().first().map(host_for_pgpass)?;
                pgpass_lookup(&file, &host, port, &dbname, &user)
            });
            if let Some(password) = password {
                config.password(password);
            }
        }

        let sslmode = param("sslmode")
            .or_else(|| {
                param("requiressl")
                    .filter(|v| v == "1")
                    .map(|_| "require".to_owned())
            })
            .or_else(|| env("PGSSLMODE"))
            .unwrap_or_else(|| "prefer".to_owned());
        let only_sockets = config
            .get_hosts()
            .iter()
            .all(|h| matches!(h, Host::Unix(_)));
        let (mode, verify) = match sslmode.as_str() {
            "disable" => (SslMode::Disable, None),
            "allow" | "prefer" => (SslMode::Prefer, Some(Verify::Nothing)),
            "require" => (SslMode::Require, Some(Verify::Nothing)),
            "verify-ca" => (SslMode::Require, Some(Verify::Chain)),
            "verify-full" => (SslMode::Require, Some(Verify::Full)),
            other => {
                return Err(bad(format!(
                    "sslmode `{other}` is not one of disable, allow, prefer, require, verify-ca, verify-full"
                )))
            }
        };
        // libpq never uses TLS over a Unix socket, whatever sslmode says.
        let verify = verify.filter(|_| !only_sockets);
        let tls = match verify {
            None => {
                config.ssl_mode(SslMode::Disable);
                None
            }
            Some(verify) => {
                config.ssl_mode(mode);
                let roots = match param("sslrootcert").or_else(|| env("PGSSLROOTCERT")) {
                    Some(v) if v == "system" => Some(Roots::System),
                    Some(path) => Some(Roots::File(PathBuf::from(path))),
                    None => home()
                        .map(|h| h.join(".postgresql/root.crt"))
                        .filter(|p| p.is_file())
                        .map(Roots::File),
                };
                // libpq: with a root certificate at hand, `require` checks
                // the chain as `verify-ca` does.
                let verify = match (verify, &roots) {
                    (Verify::Nothing, Some(_)) if sslmode == "require" => Verify::Chain,
                    (v, _) => v,
                };
                let client_cert = client_cert(
                    param("sslcert").or_else(|| env("PGSSLCERT")),
                    param("sslkey").or_else(|| env("PGSSLKEY")),
                );
                Some(
                    tls::client_config(verify, roots.as_ref(), client_cert.as_ref())
                        .map_err(bad)?,
                )
            }
        };
        Ok(Params {
            config,
            tls,
            sslmode,
        })
    }
}

/// `host:port` of SQLAlchemy's multi-host form, split; `None` for a plain
/// host name or a socket folder.
fn host_with_port(value: &str) -> Option<(String, u16)> {
    if value.starts_with('/') {
        return None;
    }
    let (host, port) = value.rsplit_once(':')?;
    let host = host.trim_start_matches('[').trim_end_matches(']');
    Some((host.to_owned(), port.parse().ok()?))
}

/// libpq's `target_session_attrs` in the words tokio-postgres knows:
/// `primary` is `read-write` (a standby is read-only), `standby` is
/// `read-only`; `prefer-standby` has no equivalent.
fn session_attrs(value: &str) -> ConnectionResult<&str> {
    match value {
        "any" | "read-write" | "read-only" => Ok(value),
        "primary" => Ok("read-write"),
        "standby" => Ok("read-only"),
        other => Err(bad(format!(
            "target_session_attrs `{other}` is not one of any, read-write, primary, read-only, \
             standby (the driver has no prefer-standby; migrations need read-write)"
        ))),
    }
}

/// `value` for tokio-postgres's URL parser, which percent-decodes: a form
/// encoder's `+` for a space would reach the server as `+` (an `options`
/// of `-c work_mem=8MB` became `-c+work_mem=8MB`). Form encoding writes a
/// real `+` as `%2B`, so every `+` left is a space.
fn encode(value: &str) -> String {
    url::form_urlencoded::byte_serialize(value.as_bytes())
        .collect::<String>()
        .replace('+', "%20")
}

/// libpq's client certificate: `sslcert`/`sslkey`, else
/// `~/.postgresql/postgresql.{crt,key}` when both exist.
fn client_cert(cert: Option<String>, key: Option<String>) -> Option<ClientCert> {
    let dir = home().map(|h| h.join(".postgresql"));
    let cert = cert
        .map(PathBuf::from)
        .or_else(|| dir.as_ref().map(|d| d.join("postgresql.crt")))?;
    let key = key
        .map(PathBuf::from)
        .or_else(|| dir.as_ref().map(|d| d.join("postgresql.key")))?;
    (cert.is_file() && key.is_file()).then_some(ClientCert { cert, key })
}

/// Where libpq looks for the server's socket when nothing names a host:
/// Debian's libpq is built with `/var/run/postgresql`, upstream's with
/// `/tmp`.
fn default_socket_dir() -> &'static str {
    if Path::new("/var/run/postgresql").is_dir() {
        "/var/run/postgresql"
    } else {
        "/tmp"
    }
}

/// The host as `.pgpass` names it: libpq matches a socket as `localhost`.
fn host_for_pgpass(host: &Host) -> String {
    match host {
        Host::Tcp(name) => name.clone(),
        Host::Unix(_) => "localhost".to_owned(),
    }
}

/// The password of the first `.pgpass` line matching, as libpq reads the
/// file: `host:port:database:user:password`, `*` matching anything, `\`
/// escaping `:` and `\`, comment lines starting with `#`. Like libpq, a
/// file that others can read is ignored (with a warning).
pub fn pgpass_lookup(
    file: &Path,
    host: &str,
    port: u16,
    dbname: &str,
    user: &str,
) -> Option<String> {
    use std::os::unix::fs::PermissionsExt;
    let meta = std::fs::metadata(file).ok()?;
    if !meta.is_file() {
        return None;
    }
    if meta.permissions().mode() & 0o077 != 0 {
        tracing::warn!(
            "password file {} has group or world access; permissions should be u=rw (0600) or less",
            file.display()
        );
        return None;
    }
    let text = std::fs::read_to_string(file).ok()?;
    let port = port.to_string();
    text.lines()
        .filter(|line| !line.starts_with('#'))
        .find_map(|line| {
            let fields = split_pgpass(line)?;
            let matches = |pattern: &str, value: &str| pattern == "*" || pattern == value;
            (matches(&fields[0], host)
                && matches(&fields[1], &port)
                && matches(&fields[2], dbname)
                && matches(&fields[3], user))
            .then(|| fields[4].clone())
        })
}

fn split_pgpass(line: &str) -> Option<[String; 5]> {
    let mut fields: Vec<String> = vec![String::new()];
    let mut chars = line.trim_end_matches('\r').chars();
    while let Some(c) = chars.next() {
        match c {
            '\\' => {
                if let Some(next) = chars.next() {
                    fields.last_mut()?.push(next);
                }
            }
            ':' if fields.len() < 5 => fields.push(String::new()),
            c => fields.last_mut()?.push(c),
        }
    }
    fields.try_into().ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: &str, vars: &[(&str, &str)]) -> Params {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Params::resolve(url, &move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
        .unwrap()
    }

    #[test]
    fn what_the_url_leaves_out_comes_from_pg_variables() {
        let p = resolve(
            "postgres:///",
            &[
                ("PGHOST", "db.internal"),
                ("PGPORT", "6543"),
                ("PGUSER", "app"),
                ("PGPASSWORD", "s3cret"),
                ("PGDATABASE", "prod"),
                ("PGSSLMODE", "disable"),
            ],
        );
        assert_eq!(p.config.get_hosts(), &[Host::Tcp("db.internal".into())]);
        assert_eq!(p.config.get_ports(), &[6543]);
        assert_eq!(p.config.get_user(), Some("app"));
        assert_eq!(p.config.get_password(), Some(&b"s3cret"[..]));
        assert_eq!(p.config.get_dbname(), Some("prod"));
        assert_eq!(p.sslmode, "disable");
        assert!(p.tls.is_none());
    }

    #[test]
    fn the_url_wins_over_the_variables() {
        let p = resolve(
            "postgres://u:pw@h:1234/d?sslmode=require",
            &[
                ("PGHOST", "other"),
                ("PGUSER", "x"),
                ("PGSSLMODE", "disable"),
            ],
        );
        assert_eq!(p.config.get_hosts(), &[Host::Tcp("h".into())]);
        assert_eq!(p.config.get_user(), Some("u"));
        assert_eq!(p.sslmode, "require");
        assert!(p.tls.is_some());
    }

    #[test]
    fn socket_urls_never_use_tls() {
        let p = resolve(
            "postgres://%2Frun%2Fpostgresql/d?sslmode=require",
            &[("USER", "me")],
        );
        assert_eq!(
            p.config.get_hosts(),
            &[Host::Unix("/run/postgresql".into())]
        );
        assert!(p.tls.is_none());
        let p = resolve("postgres:///d?host=/tmp", &[("PGUSER", "me")]);
        assert_eq!(p.config.get_hosts(), &[Host::Unix("/tmp".into())]);
        assert_eq!(p.config.get_dbname(), Some("d"));
    }

    #[test]
    fn multi_host_urls_in_libpq_and_sqlalchemy_forms() {
        let libpq = resolve(
            "postgresql://u@h1:5432,h2:5433/d?target_session_attrs=read-write",
            &[],
        );
        let sqlalchemy = resolve(
            "postgresql://u@/d?host=h1:5432&host=h2:5433&target_session_attrs=primary",
            &[],
        );
        for p in [libpq, sqlalchemy] {
            assert_eq!(
                p.config.get_hosts(),
                &[Host::Tcp("h1".into()), Host::Tcp("h2".into())]
            );
            assert_eq!(p.config.get_ports(), &[5432, 5433]);
            assert_eq!(
                p.config.get_target_session_attrs(),
                tokio_postgres::config::TargetSessionAttrs::ReadWrite
            );
        }
        let err = Params::resolve(
            "postgres://u@h/d?target_session_attrs=prefer-standby",
            &|_| None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("prefer-standby"), "{err}");
    }

    #[test]
    fn verify_modes_need_a_root_certificate() {
        let err = Params::resolve(
            "postgres://u@h/d?sslmode=verify-full&sslrootcert=/nonexistent/root.crt",
            &|_| None,
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("sslrootcert /nonexistent/root.crt"), "{err}");
        let err = Params::resolve("postgres://u@h/d?sslmode=sometimes", &|_| None)
            .unwrap_err()
            .to_string();
        assert!(err.contains("sslmode `sometimes`"), "{err}");
    }

    #[test]
    fn pgpass_is_read_as_libpq_reads_it() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("pgpass");
        std::fs::write(
            &file,
            "# comment\nother:5432:*:app:nope\nlocalhost:5432:prod:app:pa\\:ss\\\\word\n*:*:*:*:fallback\n",
        )
        .unwrap();
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).unwrap();
        assert_eq!(
            pgpass_lookup(&file, "localhost", 5432, "prod", "app").as_deref(),
            Some("pa:ss\\word")
        );
        assert_eq!(
            pgpass_lookup(&file, "db", 5433, "x", "y").as_deref(),
            Some("fallback")
        );
        std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
        assert_eq!(pgpass_lookup(&file, "db", 5433, "x", "y"), None);
    }
}
