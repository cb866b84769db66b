//! A URL the configuration leaves to run time on purpose. Alembic's
//! templates ship a placeholder, Flask-Migrate's none, and env.py sets the
//! real one (`config.set_main_option("sqlalchemy.url", ...)`); such a file
//! is not broken, and only a command that must connect needs the URL.

use crate::diag::{Diagnostic, Kind};

use super::Source;

/// Why a file leaves its URL to run time, as Alembic's env.py does with
/// `config.set_main_option("sqlalchemy.url", ...)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Deferral {
    /// The main section has no `<prefix>url` (Flask-Migrate's template).
    Absent,
    /// `<prefix>url =` with nothing after it.
    Empty,
    /// Alembic's template value `driver://user:pass@localhost/dbname`.
    Placeholder,
    /// `${NAME}` with NAME unset.
    EnvUnset,
}

/// A URL the configuration leaves to run time: not an error for `config`,
/// and one line of advice for a command that needs to connect.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeferredUrl {
    /// Why.
    pub deferral: Deferral,
    /// `<prefix>url`.
    pub key: String,
    /// What the file says, in a few words ("`sqlalchemy.url` is Alembic's
    /// placeholder ...").
    pub reason: String,
    /// The line, when the key is in the file.
    pub source: Option<Source>,
}

impl DeferredUrl {
    /// Where a URL left to run time comes from.
    pub const WHERE: &'static str =
        "not set here: commands that connect take it from DATABASE_URL, --database-url or the code";

    /// The note `config` prints.
    pub fn note(&self) -> String {
        format!("{}; {}", self.reason, Self::WHERE)
    }

    /// The error of a command that needs the URL now: one line, no snippet.
    pub fn error(&self) -> Diagnostic {
        Diagnostic::new(
            Kind::MissingUrl,
            format!(
                "no database URL: {}; set DATABASE_URL (environment or .env), pass --database-url, \
                 or set `{}` in code (set_main_option)",
                self.reason, self.key
            ),
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::engine::{resolve, Deferral};
    use crate::{Config, Environment, Kind};

    fn deferral(ini: &str, env: &Environment) -> Option<Deferral> {
        let config = Config::from_str_at("/p/alembic.ini", ini, None).unwrap();
        let resolved = resolve(&config, env, &Default::default());
        assert_eq!(resolved.problems, [], "{ini}");
        let deferred = resolved.deferred_url.clone();
        if deferred.is_some() {
            assert!(!resolved.effective.contains_key("url"));
            assert_eq!(resolved.settings().unwrap_err().kind(), Kind::MissingUrl);
        }
        deferred.map(|d| d.deferral)
    }

    #[test]
    fn each_way_of_leaving_the_url_out() {
        let env = Environment::empty();
        for (ini, expected) in [
            ("[alembic]\nscript_location = m\n", Deferral::Absent),
            ("[schema]\nscript_location = m\n", Deferral::Absent),
            ("[alembic]\nsqlalchemy.url =\n", Deferral::Empty),
            ("[alembic]\nsqlalchemy.url = ${DB_URL:-}\n", Deferral::Empty),
            (
                "[DEFAULT]\nu =\n[alembic]\nsqlalchemy.url = %(u)s\n",
                Deferral::Empty,
            ),
            (
                "[alembic]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
                Deferral::Placeholder,
            ),
            ("[schema]\ndiesel.url = ${DB_URL}\n", Deferral::EnvUnset),
            (
                "[schema]\ndiesel.url = postgres://app:${DB_PASSWORD}@db/app\n",
                Deferral::EnvUnset,
            ),
        ] {
            assert_eq!(deferral(ini, &env), Some(expected), "{ini}");
        }
    }

    #[test]
    fn a_url_from_the_environment_or_the_command_line_is_not_deferred() {
        let env = Environment::empty().with_var("DATABASE_URL", "sqlite:///app.db");
        assert_eq!(deferral("[alembic]\nsqlalchemy.url =\n", &env), None);
        let env = Environment::empty().with_var("DB_URL", "sqlite://app.db");
        assert_eq!(deferral("[schema]\ndiesel.url = ${DB_URL}\n", &env), None);
        let mut config = Config::from_str_at("/p/schema.ini", "[schema]\n", None).unwrap();
        config.set_main_option("diesel.url", "sqlite://app.db");
        let resolved = resolve(&config, &Environment::empty(), &Default::default());
        assert!(resolved.deferred_url.is_none());
        assert!(resolved.settings().is_ok());
    }

    #[test]
    fn the_error_is_one_line_that_says_where_a_url_comes_from() {
        let config = Config::from_str_at(
            "/p/alembic.ini",
            "[alembic]\nsqlalchemy.url = driver://user:pass@localhost/dbname\n",
            None,
        )
        .unwrap();
        let resolved = resolve(&config, &Environment::empty(), &Default::default());
        let error = resolved.settings().unwrap_err().to_string();
        assert!(!error.contains('\n'), "{error}");
        assert!(!error.contains(":pass@"), "{error}");
        for place in ["DATABASE_URL", "--database-url", "set_main_option"] {
            assert!(error.contains(place), "{error}");
        }
    }
}
