//! Database URLs in diesel's and SQLAlchemy's forms.
//!
//! | written | backend | diesel connects to |
//! | --- | --- | --- |
//! | `postgres://u:p@h/db`, `postgresql+asyncpg://...`, `postgresql+psycopg2://...` | PostgreSQL | `postgres://u:p@h/db` |
//! | `mysql://...`, `mysql+pymysql://...`, `mariadb://...` | MySQL/MariaDB | `mysql://...` |
//! | `sqlite://` or `sqlite://:memory:` | SQLite | `:memory:` |
//! | `sqlite:///abs/app.db`, `sqlite://rel.db`, `app.db` (diesel form) | SQLite | the path after `sqlite://` |
//! | `sqlite:///rel.db`, `sqlite:////abs.db`, `sqlite+pysqlite:///rel.db` (SQLAlchemy form) | SQLite | `rel.db`, `/abs.db` |
//!
//! The two families disagree on three slashes: diesel and sqlx read
//! `sqlite:///x.db` as the absolute `/x.db`, SQLAlchemy as the relative
//! `x.db`. The SQLAlchemy reading applies where the URL came from an
//! Alembic-style configuration (the `sqlalchemy.` prefix) or names a Python
//! driver (`sqlite+pysqlite://`); elsewhere the diesel reading does, so that
//! `diesel.url = sqlite://%(here)s/app.db` means the file next to the ini.
//!
//! They also disagree on what is a URL at all. diesel_cli reads a
//! `DATABASE_URL` without a scheme as an SQLite file; SQLAlchemy's
//! `make_url` refuses it. The same style picks the reading here as for
//! three slashes. Both refuse what only Python would read as a URL (see
//! [`checks`]): a quoted value (ini values keep their quotes), a Python
//! expression, and a SQLAlchemy driver name SQLAlchemy does not have.

use std::fmt;
use std::path::PathBuf;

use serde::Serialize;

use crate::secret;

pub mod checks;
mod flavor;
mod redact;

pub use flavor::{Flavor, GALERA_MARK};

/// A database backend cargo-schema can drive.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Backend {
    /// SQLite, bundled: the embedded default.
    Sqlite,
    /// PostgreSQL.
    Postgres,
    /// MySQL and MariaDB.
    Mysql,
}

impl Backend {
    /// Every backend.
    pub const ALL: [Backend; 3] = [Backend::Sqlite, Backend::Postgres, Backend::Mysql];

    /// The name used in feature flags and messages.
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
            Backend::Mysql => "mysql",
        }
    }

    /// Whether DDL takes part in transactions (PostgreSQL, SQLite), so a
    /// whole upgrade can land or roll back as one; on MySQL/MariaDB each
    /// DDL statement commits by itself.
    pub const fn transactional_ddl(self) -> bool {
        match self {
            Backend::Sqlite | Backend::Postgres => true,
            Backend::Mysql => false,
        }
    }
}

impl fmt::Display for Backend {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// The backends compiled into a build; a URL for another one is refused
/// when the configuration is read (and, in `embed!()`, when it is built).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Backends {
    /// SQLite support.
    pub sqlite: bool,
    /// PostgreSQL support.
    pub postgres: bool,
    /// MySQL/MariaDB support.
    pub mysql: bool,
}

impl Backends {
    /// All three, as the `cargo schema` binary has them.
    pub const ALL: Backends = Backends {
        sqlite: true,
        postgres: true,
        mysql: true,
    };

    /// Whether `backend` is compiled in.
    pub fn contains(self, backend: Backend) -> bool {
        match backend {
            Backend::Sqlite => self.sqlite,
            Backend::Postgres => self.postgres,
            Backend::Mysql => self.mysql,
        }
    }

    /// The enabled backends' names, for messages.
    pub fn names(self) -> Vec<&'static str> {
        Backend::ALL
            .into_iter()
            .filter(|b| self.contains(*b))
            .map(Backend::name)
            .collect()
    }
}

/// Which family's reading of `sqlite:///...` applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UrlStyle {
    /// diesel/sqlx: the path is what follows `sqlite://`.
    Diesel,
    /// SQLAlchemy: `sqlite:///rel`, `sqlite:////abs`.
    SqlAlchemy,
}

/// Where an SQLite database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum SqliteTarget {
    /// A private in-memory database.
    Memory,
    /// A file, relative to the working directory when not absolute.
    File(PathBuf),
    /// A `file:` URI, passed to SQLite as it is.
    Uri(String),
}

/// A parsed database URL. `Display` and `Debug` mask the password.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    backend: Backend,
    driver: Option<String>,
    original: String,
    connect: String,
    user: Option<String>,
    password: Option<String>,
    host: Option<String>,
    port: Option<u16>,
    database: Option<String>,
    sqlite: Option<SqliteTarget>,
}

/// Why a URL was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct UrlError {
    message: String,
    suggestion: Option<String>,
}

impl UrlError {
    fn new(message: impl Into<String>) -> Self {
        UrlError {
            message: message.into(),
            suggestion: None,
        }
    }

    /// What the user probably meant (a URL with a real driver name).
    pub fn suggestion(&self) -> Option<&str> {
        self.suggestion.as_deref()
    }
}

impl DatabaseUrl {
    /// Parse a URL in diesel's or SQLAlchemy's form.
    ///
    /// ```
    /// use schema_core::url::{Backend, DatabaseUrl, UrlStyle};
    /// let url = DatabaseUrl::parse("postgresql+asyncpg://app:p%40ss@db:5433/prod", UrlStyle::Diesel)?;
    /// assert_eq!(url.backend(), Backend::Postgres);
    /// assert_eq!(url.password(), Some("p@ss"));
    /// assert_eq!(url.to_string(), "postgresql+asyncpg://app:***@db:5433/prod");
    /// assert_eq!(url.connect_url(), "postgres://app:p%40ss@db:5433/prod");
    /// # Ok::<(), schema_core::url::UrlError>(())
    /// ```
    pub fn parse(text: &str, style: UrlStyle) -> Result<Self, UrlError> {
        let text = text.trim();
        if text.is_empty() {
            return Err(UrlError::new("the database URL is empty"));
        }
        if let Some(why) = checks::python_text(text) {
            return Err(UrlError::new(why));
        }
        let Some((scheme, rest)) = text.split_once("://") else {
            return match style {
                UrlStyle::Diesel => Self::bare_sqlite(text),
                // make_url's pattern starts with `name://`: SQLAlchemy
                // refuses anything else before it looks further.
                UrlStyle::SqlAlchemy => Err(UrlError::new(format!(
                    "`{}` is not a URL: SQLAlchemy reads it with make_url, which needs `dialect://...` \
                     (postgresql://user@host/db, sqlite:///relative.db, sqlite:////absolute.db)",
                    secret::mask_urls(text)
                ))),
            };
        };
        let scheme_lower = scheme.to_ascii_lowercase();
        let (dialect, driver) = match scheme_lower.split_once('+') {
            Some((d, drv)) => (d, Some(drv)),
            None => (scheme_lower.as_str(), None),
        };
        if let Some(drv) = driver {
            if drv.is_empty() || !drv.chars().all(|c| c.is_ascii_alphanumeric() || c == '_') {
                return Err(UrlError::new(format!("`{scheme}` is not a valid scheme: the driver after `+` must be a name such as `asyncpg`")));
            }
        }
        let backend = match dialect {
            "sqlite" => Backend::Sqlite,
            "postgres" | "postgresql" | "pgsql" => Backend::Postgres,
            "mysql" | "mariadb" => Backend::Mysql,
            other => {
                return Err(UrlError::new(format!(
                    "unsupported database `{other}`: cargo schema drives sqlite, postgres (postgresql) and mysql (mariadb)"
                )))
            }
        };
        if let Some((message, hint)) = driver.and_then(|drv| checks::unknown_driver(dialect, drv)) {
            return Err(UrlError {
                message,
                suggestion: hint.map(|h| format!("{dialect}+{h}://")),
            });
        }
        let driver = driver.map(str::to_owned);
        if backend == Backend::Sqlite {
            let style = if driver.is_some() {
                UrlStyle::SqlAlchemy
            } else {
                style
            };
            return Self::sqlite(text, rest, style, driver);
        }
        let normalized_scheme = if backend == Backend::Postgres {
            "postgres"
        } else {
            "mysql"
        };
        let connect = format!("{normalized_scheme}://{rest}");
        // libpq's multi-host form (`u@h1:5432,h2:5433/db`) and an empty
        // host with a user (`u@/db?host=h1:5432&host=h2:5433`, SQLAlchemy's
        // multi-host form) are no URLs to the `url` crate: it reads the
        // first host, or none, and the driver reads them all.
        let checked = if backend == Backend::Postgres {
            first_host_only(&connect)
        } else {
            None
        };
        let parsed = url::Url::parse(checked.as_deref().unwrap_or(&connect))
            .map_err(|e| UrlError::new(format!("the database URL does not parse: {e}")))?;
        let decode = |s: &str| {
            percent_encoding::percent_decode_str(s)
                .decode_utf8()
                .map(|c| c.into_owned())
                .map_err(|_| {
                    UrlError::new("the user or password is not valid percent-encoded UTF-8")
                })
        };
        let user = (!parsed.username().is_empty())
            .then(|| decode(parsed.username()))
            .transpose()?;
        let password = parsed.password().map(decode).transpose()?;
        let database = parsed.path().trim_start_matches('/');
        Ok(DatabaseUrl {
            backend,
            driver,
            original: text.to_owned(),
            user,
            password,
            host: parsed
                .host_str()
                .filter(|h| !h.is_empty() && *h != NO_HOST)
                .map(str::to_owned),
            port: parsed.port(),
            database: (!database.is_empty()).then(|| database.to_owned()),
            sqlite: None,
            connect,
        })
    }

    fn bare_sqlite(text: &str) -> Result<Self, UrlError> {
        let target = if text == ":memory:" {
            SqliteTarget::Memory
        } else if text.starts_with("file:") {
            SqliteTarget::Uri(text.to_owned())
        } else if text.contains(':') && !text.starts_with(['/', '.']) {
            return Err(UrlError::new(format!(
                "`{}` is not a database URL; write postgres://..., mysql://... or sqlite://PATH",
                secret::mask_urls(text)
            )));
        } else {
            SqliteTarget::File(PathBuf::from(text))
        };
        Ok(Self::from_sqlite_target(text, None, target))
    }

    fn sqlite(
        text: &str,
        rest: &str,
        style: UrlStyle,
        driver: Option<String>,
    ) -> Result<Self, UrlError> {
        // SQLite URLs carry driver options after `?`; the file is what
        // comes before.
        let path = rest.split_once('?').map_or(rest, |(p, _)| p);
        let path = match style {
            UrlStyle::SqlAlchemy => match path.strip_prefix('/') {
                Some(p) => p,
                None if path.is_empty() => "",
                None => {
                    return Err(UrlError::new(format!(
                        "`{}` has a host part; SQLAlchemy SQLite URLs are sqlite:///relative.db or sqlite:////absolute.db",
                        secret::mask_urls(text)
                    )))
                }
            },
            UrlStyle::Diesel => path,
        };
        let target = match path {
            "" | ":memory:" => SqliteTarget::Memory,
            p if p.starts_with("file:") => SqliteTarget::Uri(p.to_owned()),
            // `sqlite:////abs` read the diesel way gives `//abs`: the same
            // file, written the way people expect to read it.
            p if p.starts_with("//") => {
                SqliteTarget::File(PathBuf::from(format!("/{}", p.trim_start_matches('/'))))
            }
            p => SqliteTarget::File(PathBuf::from(p)),
        };
        Ok(Self::from_sqlite_target(text, driver, target))
    }

    fn from_sqlite_target(text: &str, driver: Option<String>, target: SqliteTarget) -> Self {
        let connect = match &target {
            SqliteTarget::Memory => ":memory:".to_owned(),
            SqliteTarget::File(p) => p.display().to_string(),
            SqliteTarget::Uri(u) => u.clone(),
        };
        DatabaseUrl {
            backend: Backend::Sqlite,
            driver,
            original: text.to_owned(),
            connect,
            user: None,
            password: None,
            host: None,
            port: None,
            database: None,
            sqlite: Some(target),
        }
    }

    /// The backend.
    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The SQLAlchemy driver named after `+`, if any (`asyncpg`).
    pub fn driver(&self) -> Option<&str> {
        self.driver.as_deref()
    }

    /// What diesel connects with. Holds the password: never print it.
    pub fn connect_url(&self) -> &str {
        &self.connect
    }

    /// The URL as written. Holds the password: never print it.
    pub fn as_str(&self) -> &str {
        &self.original
    }

    /// The decoded user name.
    pub fn user(&self) -> Option<&str> {
        self.user.as_deref()
    }

    /// The decoded password. Never print it.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }

    /// The host, if the URL names one.
    pub fn host(&self) -> Option<&str> {
        self.host.as_deref()
    }

    /// The port, if the URL names one.
    pub fn port(&self) -> Option<u16> {
        self.port
    }

    /// The database name (PostgreSQL, MySQL).
    pub fn database(&self) -> Option<&str> {
        self.database.as_deref()
    }

    /// Where an SQLite database lives.
    pub fn sqlite_target(&self) -> Option<&SqliteTarget> {
        self.sqlite.as_ref()
    }

    /// The same server, credentials and parameters, another database
    /// (PostgreSQL, MySQL); `None` for SQLite, which has no server.
    ///
    /// ```
    /// use schema_core::url::{DatabaseUrl, UrlStyle};
    /// let url = DatabaseUrl::parse("postgresql://app:pw@db/prod?sslmode=require", UrlStyle::Diesel)?;
    /// let other = url.with_database("scratch").unwrap();
    /// assert_eq!(other.connect_url(), "postgres://app:pw@db/scratch?sslmode=require");
    /// assert_eq!(other.to_string(), "postgres://app:***@db/scratch?sslmode=require");
    /// # Ok::<(), schema_core::url::UrlError>(())
    /// ```
    pub fn with_database(&self, name: &str) -> Option<DatabaseUrl> {
        if self.backend == Backend::Sqlite {
            return None;
        }
        let mut url = url::Url::parse(&self.connect).ok()?;
        url.set_path(&format!("/{name}"));
        DatabaseUrl::parse(url.as_str(), UrlStyle::Diesel).ok()
    }

    /// The URL with its password, and the value of every credential
    /// parameter of its query string (`password=`, `sslpassword=`, see
    /// [`secret::is_secret_key`]), replaced by `***`.
    ///
    /// Worked out from the URL's structure, as the parser split it (the
    /// userinfo is what precedes the authority's last `@`), never by
    /// scanning the text for something URL-shaped: a password holding a
    /// quote, `<`, a backtick or a space is masked whole.
    ///
    /// ```
    /// use schema_core::url::{DatabaseUrl, UrlStyle};
    /// let url = DatabaseUrl::parse("postgres://app:it's <me>@db/x?sslpassword=k3y&sslmode=require", UrlStyle::Diesel)?;
    /// assert_eq!(url.masked(), "postgres://app:***@db/x?sslpassword=***&sslmode=require");
    /// # Ok::<(), schema_core::url::UrlError>(())
    /// ```
    pub fn masked(&self) -> String {
        let text = self.original.as_str();
        let (head, rest) = match text.split_once("://") {
            Some((scheme, rest)) => (format!("{scheme}://"), rest),
            None => (String::new(), text),
        };
        let mut out = head;
        let authority_end = if self.backend == Backend::Sqlite {
            0
        } else {
            rest.find(['/', '?', '#']).unwrap_or(rest.len())
        };
        let authority = &rest[..authority_end];
        match authority.rfind('@') {
            Some(at) => {
                let userinfo = &authority[..at];
                match userinfo.split_once(':') {
                    Some((user, _)) => {
                        out.push_str(user);
                        out.push(':');
                        out.push_str(secret::MASK);
                    }
                    None => out.push_str(userinfo),
                }
                out.push_str(&authority[at..]);
            }
            None => out.push_str(authority),
        }
        let tail = &rest[authority_end..];
        match tail.split_once('?') {
            Some((path, query)) => {
                out.push_str(path);
                out.push('?');
                out.push_str(&secret::mask_query(query));
            }
            None => out.push_str(tail),
        }
        // What the structure says is masked; a SQLite path or a query
        // value shaped like another URL with a password is masked too.
        secret::mask_urls(&out).into_owned()
    }

    /// Every secret this URL holds, decoded: the password and the values
    /// of the query string's credential parameters, for a
    /// [`secret::Redactor`] to find wherever a driver or server echoes
    /// them.
    pub fn secrets(&self) -> Vec<String> {
        let mut out: Vec<String> = self.password.iter().cloned().collect();
        if let Some((_, query)) = self.original.split_once('?') {
            let query = query.split('#').next().unwrap_or_default();
            for pair in query.split('&') {
                if let Some((key, value)) = pair.split_once('=') {
                    let key = percent_encoding::percent_decode_str(key).decode_utf8_lossy();
                    if secret::is_secret_key(&key) && !value.is_empty() {
                        out.push(value.to_owned());
                        let decoded = percent_encoding::percent_decode_str(value)
                            .decode_utf8_lossy()
                            .into_owned();
                        out.push(decoded);
                    }
                }
            }
        }
        out
    }
}

/// The host that stands for none while the `url` crate checks a URL.
const NO_HOST: &str = "no-host.invalid";

/// `url` with only its first host (libpq's `h1:5432,h2:5433`), or a
/// stand-in host where a user is followed by none; `None` when neither.
fn first_host_only(url: &str) -> Option<String> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, tail) = rest.split_at(end);
    let (userinfo, hosts) = match authority.rfind('@') {
        Some(at) => (&authority[..=at], &authority[at + 1..]),
        None => ("", authority),
    };
    let host = match hosts.split_once(',') {
        Some((first, _)) => first,
        None if hosts.is_empty() && !userinfo.is_empty() => NO_HOST,
        None => return None,
    };
    Some(format!("{scheme}://{userinfo}{host}{tail}"))
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.masked())
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DatabaseUrl")
            .field("backend", &self.backend)
            .field("url", &self.masked())
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(s: &str, style: UrlStyle) -> DatabaseUrl {
        DatabaseUrl::parse(s, style).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn sqlalchemy_postgres_drivers_map_to_diesel() {
        for scheme in [
            "postgresql+asyncpg",
            "postgresql+psycopg2",
            "postgresql",
            "postgres",
        ] {
            let url = parse(&format!("{scheme}://u:pw@h:5432/d"), UrlStyle::Diesel);
            assert_eq!(url.backend(), Backend::Postgres);
            assert_eq!(url.connect_url(), "postgres://u:pw@h:5432/d");
            assert_eq!(url.database(), Some("d"));
            assert_eq!(url.port(), Some(5432));
        }
    }

    #[test]
    fn sqlalchemy_mysql_drivers_map_to_diesel() {
        for scheme in [
            "mysql+pymysql",
            "mysql",
            "mariadb",
            "mariadb+mariadbconnector",
        ] {
            let url = parse(&format!("{scheme}://root@127.0.0.1/test"), UrlStyle::Diesel);
            assert_eq!(url.backend(), Backend::Mysql);
            assert_eq!(url.connect_url(), "mysql://root@127.0.0.1/test");
            assert_eq!(url.user(), Some("root"));
            assert_eq!(url.password(), None);
        }
    }

    #[test]
    fn percent_encoded_credentials_are_decoded() {
        let url = parse("postgres://us%65r:p%25ss%3Aw@h/d", UrlStyle::Diesel);
        assert_eq!(url.user(), Some("user"));
        assert_eq!(url.password(), Some("p%ss:w"));
        assert_eq!(url.masked(), "postgres://us%65r:***@h/d");
    }

    #[test]
    fn sqlite_sqlalchemy_forms() {
        let file = |s| parse(s, UrlStyle::SqlAlchemy).sqlite_target().cloned();
        assert_eq!(
            file("sqlite:///relative.db"),
            Some(SqliteTarget::File("relative.db".into()))
        );
        assert_eq!(
            file("sqlite:////abs.db"),
            Some(SqliteTarget::File("/abs.db".into()))
        );
        assert_eq!(file("sqlite://"), Some(SqliteTarget::Memory));
        assert_eq!(file("sqlite:///:memory:"), Some(SqliteTarget::Memory));
    }

    #[test]
    fn a_python_driver_selects_the_sqlalchemy_reading() {
        let url = parse("sqlite+pysqlite:///relative.db", UrlStyle::Diesel);
        assert_eq!(
            url.sqlite_target(),
            Some(&SqliteTarget::File("relative.db".into()))
        );
    }

    #[test]
    fn sqlite_diesel_forms() {
        let file = |s| parse(s, UrlStyle::Diesel).sqlite_target().cloned();
        assert_eq!(
            file("sqlite:///srv/app/app.db"),
            Some(SqliteTarget::File("/srv/app/app.db".into()))
        );
        assert_eq!(
            file("sqlite://app.db"),
            Some(SqliteTarget::File("app.db".into()))
        );
        assert_eq!(
            file("sqlite:////abs.db"),
            Some(SqliteTarget::File("/abs.db".into()))
        );
        assert_eq!(file("sqlite://"), Some(SqliteTarget::Memory));
        assert_eq!(file("app.db"), Some(SqliteTarget::File("app.db".into())));
        assert_eq!(file(":memory:"), Some(SqliteTarget::Memory));
        assert_eq!(
            file("file:app.db?mode=ro"),
            Some(SqliteTarget::Uri("file:app.db?mode=ro".into()))
        );
    }

    #[test]
    fn what_is_a_url_follows_the_tool_the_file_was_written_for() {
        // diesel_cli: no scheme is an SQLite file; SQLAlchemy: not a URL.
        for bare in ["app.db", "foo", "not a url", "/srv/app.db"] {
            assert!(DatabaseUrl::parse(bare, UrlStyle::Diesel).is_ok(), "{bare}");
            let err = DatabaseUrl::parse(bare, UrlStyle::SqlAlchemy).unwrap_err();
            assert!(err.to_string().contains("make_url"), "{err}");
        }
        // Python's meaning, refused under both.
        for python in [
            "\"mysql+pymysql://u:secret@h/d\"",
            "\"\"",
            "f'postgresql+psycopg2://{user}@h/d'",
        ] {
            for style in [UrlStyle::Diesel, UrlStyle::SqlAlchemy] {
                let err = DatabaseUrl::parse(python, style).unwrap_err().to_string();
                assert!(err.contains("quote") || err.contains("Python"), "{err}");
                assert!(!err.contains("secret"), "{err}");
            }
        }
        let err = DatabaseUrl::parse("postgresql+async://u@h/d", UrlStyle::Diesel).unwrap_err();
        assert_eq!(err.suggestion(), Some("postgresql+asyncpg://"));
    }

    #[test]
    fn multi_host_postgres_urls_parse_with_the_password_masked() {
        let libpq = parse(
            "postgresql://app:s3cret@h1:5432,h2:5433/prod?target_session_attrs=read-write",
            UrlStyle::Diesel,
        );
        assert_eq!(libpq.host(), Some("h1"));
        assert_eq!(libpq.port(), Some(5432));
        assert_eq!(libpq.database(), Some("prod"));
        assert_eq!(
            libpq.masked(),
            "postgresql://app:***@h1:5432,h2:5433/prod?target_session_attrs=read-write"
        );
        assert_eq!(
            libpq.connect_url(),
            "postgres://app:s3cret@h1:5432,h2:5433/prod?target_session_attrs=read-write"
        );
        let sqlalchemy = parse(
            "postgresql://app:s3cret@/prod?host=h1:5432&host=h2:5433",
            UrlStyle::SqlAlchemy,
        );
        assert_eq!(sqlalchemy.host(), None);
        assert_eq!(sqlalchemy.password(), Some("s3cret"));
        assert_eq!(
            sqlalchemy.masked(),
            "postgresql://app:***@/prod?host=h1:5432&host=h2:5433"
        );
    }

    #[test]
    fn bad_urls_are_refused_without_the_password() {
        for bad in [
            "oracle://u:secret@h/d",
            "postgres://u:secret@h:notaport/d",
            "postgresql+://u:secret@h/d",
            "localhost:5432",
            "",
        ] {
            let err = DatabaseUrl::parse(bad, UrlStyle::Diesel)
                .expect_err(bad)
                .to_string();
            assert!(!err.contains("secret"), "{err}");
        }
    }
}
