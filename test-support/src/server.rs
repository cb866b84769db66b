//! The servers' admin URLs, and the parts of them the clients need.

use percent_encoding::{percent_decode_str, utf8_percent_encode, AsciiSet, NON_ALPHANUMERIC};

use crate::Backend;

/// The PostgreSQL server's admin URL.
pub const POSTGRES_VAR: &str = "SCHEMA_TEST_POSTGRES_URL";
/// The MySQL/MariaDB server's admin URL.
pub const MYSQL_VAR: &str = "SCHEMA_TEST_MYSQL_URL";

const DEFAULT_POSTGRES: &str = "postgres://postgres@127.0.0.1:5432/postgres";
const DEFAULT_MYSQL: &str = "mysql://root@127.0.0.1:3306/test";

/// Everything but RFC 3986's unreserved characters is escaped in a user
/// or password, so any password survives the round trip.
const USERINFO: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'_')
    .remove(b'.')
    .remove(b'~');

/// A server URL in parts: `scheme://[user[:password]@]host[:port][/database][?query]`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServerUrl {
    /// `postgres`, `postgresql` or `mysql`.
    pub scheme: String,
    /// The user, decoded.
    pub user: String,
    /// The password, decoded; empty when none.
    pub password: String,
    /// The host.
    pub host: String,
    /// The port (the backend's default when the URL has none).
    pub port: u16,
    /// The database; empty when none.
    pub database: String,
    /// What followed `?`, kept for the URLs made from this one.
    pub query: String,
}

impl ServerUrl {
    /// Splits `url`; panics when it is no server URL (a test's own input).
    #[track_caller]
    pub fn parse(url: &str) -> ServerUrl {
        let (scheme, rest) = url
            .split_once("://")
            .unwrap_or_else(|| panic!("not a URL: {url}"));
        let rest = rest.split('#').next().unwrap_or_default();
        let (rest, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (authority, database) = rest.split_once('/').unwrap_or((rest, ""));
        let (credentials, hostport) = authority.rsplit_once('@').unwrap_or(("", authority));
        let (user, password) = credentials.split_once(':').unwrap_or((credentials, ""));
        let default_port = if scheme.starts_with("postgres") {
            5432
        } else {
            3306
        };
        let (host, port) = match hostport.rsplit_once(':') {
            Some((h, p)) => (
                h,
                p.parse()
                    .unwrap_or_else(|_| panic!("not a numeric port in {url}")),
            ),
            None => (hostport, default_port),
        };
        ServerUrl {
            scheme: scheme.to_owned(),
            user: decode(user),
            password: decode(password),
            host: host.to_owned(),
            port,
            database: decode(database),
            query: query.to_owned(),
        }
    }

    /// This URL again, put together from its parts.
    pub fn url(&self) -> String {
        self.with(&self.database, None)
    }

    /// The URL of `database` on this server, with `password` instead of
    /// this one's when given.
    pub fn with(&self, database: &str, password: Option<&str>) -> String {
        let password = password.unwrap_or(&self.password);
        let user = utf8_percent_encode(&self.user, USERINFO);
        let credentials = match (self.user.is_empty(), password.is_empty()) {
            (true, _) => String::new(),
            (false, true) => format!("{user}@"),
            (false, false) => format!("{user}:{}@", utf8_percent_encode(password, USERINFO)),
        };
        let query = if self.query.is_empty() {
            String::new()
        } else {
            format!("?{}", self.query)
        };
        format!(
            "{}://{credentials}{}:{}/{database}{query}",
            self.scheme, self.host, self.port
        )
    }
}

fn decode(text: &str) -> String {
    percent_decode_str(text)
        .decode_utf8()
        .unwrap_or_else(|e| panic!("not UTF-8 once decoded: {text}: {e}"))
        .into_owned()
}

/// The admin URL of `backend`'s server: [`POSTGRES_VAR`] or [`MYSQL_VAR`],
/// else the local default (`postgres://postgres@127.0.0.1:5432/postgres`,
/// `mysql://root@127.0.0.1:3306/test`). SQLite has no server (a panic).
pub fn server(backend: Backend) -> ServerUrl {
    let (var, default) = match backend {
        Backend::Postgres => (POSTGRES_VAR, DEFAULT_POSTGRES),
        Backend::Mysql => (MYSQL_VAR, DEFAULT_MYSQL),
        Backend::Sqlite => panic!("SQLite has no server"),
    };
    ServerUrl::parse(&std::env::var(var).unwrap_or_else(|_| default.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parts_round_trip_with_an_escaped_password() {
        let url = ServerUrl::parse("postgres://u%40x:p%3Aw%2F@db.example:6543/app?sslmode=require");
        assert_eq!(
            (url.user.as_str(), url.password.as_str(), url.host.as_str()),
            ("u@x", "p:w/", "db.example")
        );
        assert_eq!((url.port, url.database.as_str()), (6543, "app"));
        assert_eq!(
            url.url(),
            "postgres://u%40x:p%3Aw%2F@db.example:6543/app?sslmode=require"
        );
        assert_eq!(
            url.with("other", Some("")),
            "postgres://u%40x@db.example:6543/other?sslmode=require"
        );
    }

    #[test]
    fn default_ports() {
        assert_eq!(ServerUrl::parse("mysql://root@h/test").port, 3306);
        assert_eq!(ServerUrl::parse("postgresql://h").port, 5432);
    }
}
