//! MySQL/MariaDB through mysql_async, reading a connection the way
//! libmysqlclient (diesel's `MysqlConnection`) does:
//!
//! * `localhost` means the Unix socket: `unix_socket=` in the URL, else
//!   `MYSQL_UNIX_PORT`, else the server's usual socket
//!   (`/run/mysqld/mysqld.sock`, `/var/run/mysqld/mysqld.sock`,
//!   `/tmp/mysql.sock`); any other host, `127.0.0.1` included, is TCP;
//! * what the URL leaves out comes from `MYSQL_HOST`, `MYSQL_TCP_PORT`,
//!   `MYSQL_PWD`, and the login name as user;
//! * `ssl_mode` as MySQL's clients read it: `DISABLED`, `PREFERRED` (TLS
//!   when the server offers it), `REQUIRED` (encrypted; the certificate is
//!   checked only when `ssl_ca` is given), `VERIFY_CA`, `VERIFY_IDENTITY`;
//!   `ssl_ca`, `ssl_cert`, `ssl_key` name PEM files. Without `ssl_mode` the
//!   connection is unencrypted, as with the MariaDB client library.

use std::path::{Path, PathBuf};

use diesel::ConnectionResult;
use diesel_async::AsyncMysqlConnection;
use mysql_async::{ClientIdentity, OptsBuilder, SslOpts};

use super::{bad, bad_with_causes, os_user, query_pairs};

/// [`connect`] on a connection's own runtime, for diesel's blocking API.
pub fn open(url: &str) -> ConnectionResult<super::MysqlConnection> {
    super::wrap(|| connect(url))
}

/// Connect as libmysqlclient would to `url` (`mysql://...`), reading the
/// environment of this process.
pub async fn connect(url: &str) -> ConnectionResult<AsyncMysqlConnection> {
    let params = Params::resolve(url, &|name| std::env::var(name).ok())?;
    let open = |ssl: Option<SslOpts>| {
        let opts = params.builder.clone().ssl_opts(ssl);
        async move { mysql_async::Conn::new(opts).await }
    };
    let conn = match (&params.ssl, params.fallback_to_plain) {
        (Some(ssl), true) => match open(Some(ssl.clone())).await {
            Err(mysql_async::Error::Driver(
                mysql_async::DriverError::NoClientSslFlagFromServer,
            )) => open(None).await,
            other => other,
        },
        (ssl, _) => open(ssl.clone()).await,
    }
    .map_err(|e| bad_with_causes(&e))?;
    AsyncMysqlConnection::try_from(conn).await
}

/// A connection's options after libmysqlclient's fallbacks.
pub struct Params {
    /// What mysql_async connects with (TLS aside).
    pub builder: OptsBuilder,
    /// TLS, when `ssl_mode` asks for it.
    pub ssl: Option<SslOpts>,
    /// `PREFERRED`: a server without TLS gets a plain connection.
    pub fallback_to_plain: bool,
    /// The socket, when the connection goes through one.
    pub socket: Option<PathBuf>,
}

impl std::fmt::Debug for Params {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // mysql_async's own Debug would print the password.
        f.debug_struct("Params")
            .field("socket", &self.socket)
            .field("tls", &self.ssl.is_some())
            .field("fallback_to_plain", &self.fallback_to_plain)
            .finish_non_exhaustive()
    }
}

impl Params {
    /// Read `url` as libmysqlclient does, with `env` for `MYSQL_*`.
    pub fn resolve(url: &str, env: &dyn Fn(&str) -> Option<String>) -> ConnectionResult<Params> {
        let env = |name: &str| env(name).filter(|v| !v.is_empty());
        let parsed = url::Url::parse(url).map_err(|e| bad(format!("invalid MySQL URL: {e}")))?;
        let pairs = query_pairs(url);
        let param = |name: &str| {
            pairs
                .iter()
                .rev()
                .find(|(k, _)| k.eq_ignore_ascii_case(name))
                .map(|(_, v)| v.clone())
        };
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8_lossy()
                .into_owned()
        };
        let host = parsed
            .host_str()
            .filter(|h| !h.is_empty())
            .map(|h| h.trim_start_matches('[').trim_end_matches(']').to_owned())
            .or_else(|| env("MYSQL_HOST"))
            .unwrap_or_else(|| "localhost".to_owned());
        let port = match parsed.port() {
            Some(port) => port,
            None => match env("MYSQL_TCP_PORT") {
                Some(p) => p
                    .parse()
                    .map_err(|_| bad(format!("MYSQL_TCP_PORT `{p}` is not a port number")))?,
                None => 3306,
            },
        };
        let user = Some(decode(parsed.username()))
            .filter(|u| !u.is_empty())
            .or_else(os_user);
        let password = parsed.password().map(decode).or_else(|| env("MYSQL_PWD"));
        let database =
            Some(decode(parsed.path().trim_start_matches('/'))).filter(|d| !d.is_empty());
        let socket = match param("unix_socket") {
            Some(path) => Some(PathBuf::from(path)),
            None if host == "localhost" => env("MYSQL_UNIX_PORT")
                .map(PathBuf::from)
                .or_else(default_socket),
            None => None,
        };
        let mut builder = OptsBuilder::default()
            .ip_or_hostname(host.clone())
            .tcp_port(port)
            .user(user)
            .pass(password)
            .db_name(database)
            // diesel's MysqlConnection reports matched rows, not changed
            // ones; diesel-async's connection expects the same.
            .client_found_rows(true)
            .stmt_cache_size(0usize)
            // mysql_async would move a TCP connection to localhost onto the
            // socket it asks the server for; libmysqlclient does not.
            .prefer_socket(false);
        if let Some(socket) = &socket {
            builder = builder.socket(Some(socket.to_string_lossy().into_owned()));
        }

        let mode = param("ssl_mode").map(|m| m.to_ascii_uppercase());
        let ca = param("ssl_ca").map(PathBuf::from);
        let key_path = param("ssl_key").map(PathBuf::from);
        let identity = match (param("ssl_cert"), &key_path) {
            (Some(cert), Some(key)) => Some(ClientIdentity::new(
                PathBuf::from(cert).into(),
                key.clone().into(),
            )),
            (None, None) => None,
            _ => {
                return Err(bad(
                    "ssl_cert and ssl_key go together: give both or neither",
                ))
            }
        };
        let tls = |verify_chain: bool, verify_name: bool| -> ConnectionResult<SslOpts> {
            if let Some(key) = &key_path {
                check_client_key(key)?;
            }
            let mut ssl = SslOpts::default()
                .with_danger_accept_invalid_certs(!verify_chain)
                .with_danger_skip_domain_validation(!verify_name)
                .with_client_identity(identity.clone());
            if let Some(ca) = &ca {
                check_readable(ca, "ssl_ca")?;
                ssl = ssl
                    .with_root_certs(vec![ca.clone().into()])
                    .with_disable_built_in_roots(true);
            } else if verify_chain {
                return Err(bad(format!(
                    "ssl_mode {} checks the server's certificate: name the CA with ssl_ca=PATH",
                    mode.as_deref().unwrap_or_default()
                )));
            }
            Ok(ssl)
        };
        let (ssl, fallback_to_plain) = match mode.as_deref() {
            None | Some("DISABLED") => (None, false),
            Some("PREFERRED") => (Some(tls(ca.is_some(), false)?), true),
            Some("REQUIRED") => (Some(tls(ca.is_some(), false)?), false),
            Some("VERIFY_CA") => (Some(tls(true, false)?), false),
            Some("VERIFY_IDENTITY") => (Some(tls(true, true)?), false),
            Some(other) => {
                return Err(bad(format!(
                    "ssl_mode `{other}` is not one of DISABLED, PREFERRED, REQUIRED, VERIFY_CA, VERIFY_IDENTITY"
                )))
            }
        };
        // libmysqlclient never uses TLS over the Unix socket.
        let ssl = ssl.filter(|_| socket.is_none());
        Ok(Params {
            builder,
            ssl,
            fallback_to_plain,
            socket,
        })
    }
}

fn check_readable(path: &Path, key: &str) -> ConnectionResult<()> {
    std::fs::metadata(path)
        .map(|_| ())
        .map_err(|e| bad(format!("{key} {}: {e}", path.display())))
}

/// mysql_async 0.36 reads a client key only as PKCS#1 RSA (PEM `BEGIN RSA
/// PRIVATE KEY`, or DER); a PKCS#8 or EC key, what `openssl req` writes,
/// would fail at the handshake as "No private key found", naming no file.
fn check_client_key(path: &Path) -> ConnectionResult<()> {
    let bytes = std::fs::read(path).map_err(|e| bad(format!("ssl_key {}: {e}", path.display())))?;
    match std::str::from_utf8(&bytes) {
        Ok(text) if !text.contains("-----BEGIN RSA PRIVATE KEY-----") => Err(bad(format!(
            "ssl_key {}: not an RSA key in PKCS#1 form (`BEGIN RSA PRIVATE KEY`), the only \
             form this driver reads; convert it with `openssl rsa -in KEY -traditional -out NEW`",
            path.display()
        ))),
        _ => Ok(()),
    }
}

/// The server's usual socket, where there is one.
fn default_socket() -> Option<PathBuf> {
    [
        "/run/mysqld/mysqld.sock",
        "/var/run/mysqld/mysqld.sock",
        "/tmp/mysql.sock",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(url: &str, vars: &[(&str, &str)]) -> ConnectionResult<Params> {
        let vars: Vec<(String, String)> = vars
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        Params::resolve(url, &move |name| {
            vars.iter().find(|(k, _)| k == name).map(|(_, v)| v.clone())
        })
    }

    #[test]
    fn what_the_url_leaves_out_comes_from_mysql_variables() {
        let p = resolve(
            "mysql:///shop",
            &[
                ("MYSQL_HOST", "db.internal"),
                ("MYSQL_TCP_PORT", "3307"),
                ("MYSQL_PWD", "pw"),
            ],
        )
        .unwrap();
        let opts = mysql_async::Opts::from(p.builder);
        assert_eq!(opts.ip_or_hostname(), "db.internal");
        assert_eq!(opts.tcp_port(), 3307);
        assert_eq!(opts.pass(), Some("pw"));
        assert_eq!(opts.db_name(), Some("shop"));
        assert!(p.socket.is_none());
    }

    #[test]
    fn an_explicit_socket_and_tcp_hosts() {
        let p = resolve("mysql://root@localhost/test?unix_socket=/tmp/x.sock", &[]).unwrap();
        assert_eq!(p.socket.as_deref(), Some(Path::new("/tmp/x.sock")));
        let p = resolve("mysql://root@127.0.0.1:3306/test", &[]).unwrap();
        assert!(p.socket.is_none());
    }

    #[test]
    fn ssl_modes() {
        let p = resolve("mysql://root@db/test?ssl_mode=REQUIRED", &[]).unwrap();
        assert!(p.ssl.is_some() && !p.fallback_to_plain);
        let p = resolve("mysql://root@db/test?ssl_mode=preferred", &[]).unwrap();
        assert!(p.ssl.is_some() && p.fallback_to_plain);
        let err = resolve("mysql://root@db/test?ssl_mode=VERIFY_CA", &[]).unwrap_err();
        assert!(err.to_string().contains("ssl_ca=PATH"), "{err}");
        let err = resolve("mysql://root@db/test?ssl_mode=maybe", &[]).unwrap_err();
        assert!(err.to_string().contains("`MAYBE`"), "{err}");
        assert!(resolve("mysql://root@db/test", &[]).unwrap().ssl.is_none());
    }
}
