//! From the main section's prefixed keys to typed engine settings: Alembic
//! env.py's `engine_from_config(config.get_section(...), prefix="sqlalchemy.")`,
//! with every override applied and every value checked.
//!
//! Precedence, highest first: a value set at run time (`--database-url`,
//! `-x/--set`, `set_main_option`), the process environment (`DATABASE_URL`
//! for `<prefix>url`), a `.env` file, the ini file (with `${NAME}` expanded
//! from the environment), the built-in default.

use std::fmt;
use std::path::PathBuf;
use std::time::Duration;

use indexmap::IndexMap;

use crate::config::Config;
use crate::diag::{suggest, ConfigError, Diagnostic, Kind};
use crate::env::{self, display_name, EnvSource, Environment, Expanded, DATABASE_URL};
use crate::ini::{Entry, Origin, SetBy, ValueKind};
use crate::options::{self, parse_value, Value, ENGINE_OPTIONS};
use crate::secret;
use crate::url::{checks, Backend, Backends, DatabaseUrl, UrlStyle};

mod deferred;

pub use crate::settings::{Echo, EngineSettings, PoolClass};
pub use deferred::{Deferral, DeferredUrl};

/// The prefix of engine options unless told otherwise.
pub const DEFAULT_PREFIX: &str = "diesel.";

/// The prefix an alembic.ini uses; recognised when the file has no
/// `diesel.` keys.
pub const SQLALCHEMY_PREFIX: &str = "sqlalchemy.";

/// Where an effective value came from, as `config` prints it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Source {
    /// A line of the ini file, with the `${NAME}`s it expanded.
    File {
        /// The ini file.
        file: PathBuf,
        /// The key's line.
        line: usize,
        /// Variables expanded into the value.
        expanded: Vec<Expanded>,
    },
    /// The option's built-in default.
    Default,
    /// `here`: the ini file's directory.
    BuiltIn,
    /// Set at run time.
    Set(SetBy),
    /// An environment variable (`DATABASE_URL`).
    Env {
        /// The variable.
        var: String,
        /// Process or `.env`.
        from: EnvSource,
    },
}

impl Source {
    /// The source of a raw ini entry.
    pub fn of_entry(config: &Config, entry: &Entry) -> Source {
        match &entry.origin {
            Origin::File { line, .. } => Source::File {
                file: config.config_file_name().to_owned(),
                line: *line,
                expanded: Vec::new(),
            },
            Origin::BuiltIn => Source::BuiltIn,
            Origin::Set(by) => Source::Set(by.clone()),
        }
    }
}

impl fmt::Display for Source {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Source::File {
                file,
                line,
                expanded,
            } => {
                write!(f, "{}:{line}", display_name(file))?;
                for (i, e) in expanded.iter().enumerate() {
                    let from = e
                        .source
                        .as_ref()
                        .map_or_else(|| "its default".to_owned(), ToString::to_string);
                    let sep = if i == 0 { " with" } else { "," };
                    write!(f, "{sep} ${{{}}} from {from}", e.name)?;
                }
                Ok(())
            }
            Source::Default => f.write_str("default"),
            Source::BuiltIn => f.write_str("built-in"),
            Source::Set(SetBy::CommandLine) => f.write_str("command line --set"),
            Source::Set(SetBy::DatabaseUrlFlag) => f.write_str("command line --database-url"),
            Source::Set(SetBy::Api) => f.write_str("set_main_option"),
            Source::Set(SetBy::DatabasesFile { file, line }) => {
                write!(f, "{}:{line}", display_name(file))
            }
            Source::Env { var, from } => write!(f, "{from} {var}"),
        }
    }
}

/// A typed value and where it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Effective {
    /// The value.
    pub value: Value,
    /// Its source.
    pub source: Source,
}

/// What to resolve and how strictly.
#[derive(Debug, Clone)]
pub struct ResolveOptions<'a> {
    /// The section; `None` for the main section.
    pub section: Option<&'a str>,
    /// The key prefix; `None` picks `diesel.`, or `sqlalchemy.` for a file
    /// that uses only that.
    pub prefix: Option<&'a str>,
    /// Backends compiled into the caller.
    pub backends: Backends,
    /// At build time the environment of the running app is unknown: a
    /// `${NAME}` that is unset then defers its check to run time instead of
    /// being an error, and `DATABASE_URL` is not read. (A URL the file
    /// leaves to run time is deferred at any time: see [`DeferredUrl`].)
    pub build_time: bool,
    /// The crate whose cargo feature adds a missing backend, for the advice
    /// a URL of such a backend gets: `schema-runtime` in an app,
    /// `cargo-schema` for the command.
    pub features_of: &'a str,
    /// Whether `DATABASE_URL` overrides `<prefix>url`. Not for one of
    /// several databases: one variable cannot stand for each of them.
    pub database_url_env: bool,
}

impl Default for ResolveOptions<'_> {
    fn default() -> Self {
        ResolveOptions {
            section: None,
            prefix: None,
            backends: Backends::ALL,
            build_time: false,
            features_of: "schema-runtime",
            database_url_env: true,
        }
    }
}

/// The outcome of resolving: every effective value, and every problem.
#[derive(Debug, Clone)]
pub struct Resolution {
    /// The section resolved.
    pub section: String,
    /// The prefix used.
    pub prefix: String,
    /// Option name (prefix stripped) to value, in the option table's order.
    pub effective: IndexMap<String, Effective>,
    /// Every problem found; empty when the configuration is valid.
    pub problems: Vec<Diagnostic>,
    /// The URL, when the file leaves it to run time on purpose; `effective`
    /// then has no `url`.
    pub deferred_url: Option<DeferredUrl>,
}

/// The prefix to use for `config` when none was given: `sqlalchemy.` for
/// a section that has only such keys, or none at all in an alembic.ini's
/// `[alembic]` (Flask-Migrate's template, whose env.py sets the URL).
pub fn detect_prefix(config: &Config, section: &str) -> &'static str {
    let keys = config.document().keys(section);
    let has = |p: &str| keys.iter().any(|k| k.starts_with(p));
    if !has(DEFAULT_PREFIX) && (has(SQLALCHEMY_PREFIX) || section == "alembic") {
        SQLALCHEMY_PREFIX
    } else {
        DEFAULT_PREFIX
    }
}

/// Resolve the engine options of a configuration against an environment.
///
/// ```
/// # fn main() -> Result<(), schema_core::ConfigError> {
/// use schema_core::{engine, Config, Environment};
/// let config = Config::from_str_at("/srv/app/schema.ini", "[schema]\ndiesel.url = sqlite://app.db\ndiesel.pool_size = 3\n", None)?;
/// let env = Environment::empty().with_var("DATABASE_URL", "postgres://app:pw@db/prod");
/// let resolved = engine::resolve(&config, &env, &Default::default());
/// let settings = resolved.settings()?;
/// assert_eq!(settings.pool_size, 3);
/// assert_eq!(settings.url.to_string(), "postgres://app:***@db/prod");
/// # Ok(()) }
/// ```
pub fn resolve(config: &Config, env: &Environment, opts: &ResolveOptions<'_>) -> Resolution {
    let section = opts
        .section
        .unwrap_or(config.config_ini_section())
        .to_owned();
    // The prefix is the project's, whichever section is shown.
    let prefix = opts.prefix.map_or_else(
        || detect_prefix(config, config.config_ini_section()).to_owned(),
        str::to_owned,
    );
    let style = if prefix == SQLALCHEMY_PREFIX {
        UrlStyle::SqlAlchemy
    } else {
        UrlStyle::Diesel
    };
    let mut r = Resolver {
        config,
        env,
        opts,
        section,
        prefix,
        style,
        effective: IndexMap::new(),
        problems: Vec::new(),
        deferred_url: None,
    };
    r.run();
    let mut effective = r.effective;
    effective.sort_by_cached_key(|name, _| {
        ENGINE_OPTIONS
            .iter()
            .position(|s| s.name == name)
            .unwrap_or(usize::MAX)
    });
    Resolution {
        section: r.section,
        prefix: r.prefix,
        effective,
        problems: r.problems,
        deferred_url: r.deferred_url,
    }
}

struct Resolver<'a> {
    config: &'a Config,
    env: &'a Environment,
    opts: &'a ResolveOptions<'a>,
    section: String,
    prefix: String,
    style: UrlStyle,
    effective: IndexMap<String, Effective>,
    problems: Vec<Diagnostic>,
    deferred_url: Option<DeferredUrl>,
}

impl Resolver<'_> {
    fn run(&mut self) {
        let doc = self.config.document();
        let exists = doc.has_section(&self.section);
        // A missing section already explains a missing URL.
        let is_main = self.section == self.config.config_ini_section() && exists;
        if !exists {
            self.problems
                .push(self.config.missing_section(&self.section));
        }
        let keys: Vec<String> = doc
            .keys(&self.section)
            .into_iter()
            .filter(|k| k.starts_with(self.prefix.as_str()))
            .map(str::to_owned)
            .collect();
        for key in &keys {
            let name = &key[self.prefix.len()..];
            if name == "url" {
                continue;
            }
            let Some(spec) = options::spec(name) else {
                self.unknown(key, name);
                continue;
            };
            if let Some((text, source)) = self.text_of(key) {
                match parse_value(spec.ty, &text, self.style) {
                    Ok(value) => {
                        self.effective
                            .insert(name.to_owned(), Effective { value, source });
                    }
                    Err(error) => {
                        let shown = if secret::is_secret_key(key) {
                            "***"
                        } else {
                            text.trim()
                        };
                        let message = error.message.replace(text.trim(), shown);
                        let mut d =
                            self.diagnostic(Kind::InvalidValue, key, format!("`{key}`: {message}"));
                        if let Some(s) = error.suggestion {
                            d = d.suggest(s);
                        }
                        self.problems.push(d);
                    }
                }
            }
        }
        self.url(is_main);
        self.check_backend_specific();
        for spec in ENGINE_OPTIONS.iter().filter(|s| s.backend.is_none()) {
            if let (Some(default), false) = (spec.default, self.effective.contains_key(spec.name)) {
                if let Ok(value) = parse_value(spec.ty, default, self.style) {
                    self.effective.insert(
                        spec.name.to_owned(),
                        Effective {
                            value,
                            source: Source::Default,
                        },
                    );
                }
            }
        }
    }

    /// The interpolated, `${}`-expanded text of a key, or `None` after
    /// recording a problem (or, at build time, when it depends on the
    /// environment of the running app).
    fn text_of(&mut self, key: &str) -> Option<(String, Source)> {
        let doc = self.config.document();
        let entry = doc.entry(&self.section, key)?;
        let mut source = Source::of_entry(self.config, entry);
        let text = match doc.get(&self.section, key) {
            Ok(text) => text?,
            Err(d) => {
                self.problems.push(d);
                return None;
            }
        };
        if entry.kind == ValueKind::Literal {
            return Some((text, source));
        }
        match env::expand(&text, self.env) {
            Ok((expanded, used)) => {
                if let Source::File { expanded: e, .. } = &mut source {
                    *e = used;
                }
                Some((expanded, source))
            }
            Err(_) if self.opts.build_time => None,
            Err((kind, message)) => {
                self.problem(kind, key, format!("`{key}`: {message}"));
                None
            }
        }
    }

    fn url(&mut self, is_main: bool) {
        let key = format!("{}url", self.prefix);
        let doc = self.config.document();
        let entry = doc.entry(&self.section, &key);
        let set_at_runtime = entry.is_some_and(|e| matches!(e.origin, Origin::Set(_)));
        let from_env = (!self.opts.build_time && self.opts.database_url_env)
            .then(|| self.env.get(DATABASE_URL))
            .flatten()
            .filter(|(v, _)| !v.is_empty())
            .map(|(v, from)| (v.to_owned(), from));
        let (text, source) = match (set_at_runtime, from_env) {
            (false, Some((value, from))) => (
                value,
                Source::Env {
                    var: DATABASE_URL.to_owned(),
                    from,
                },
            ),
            _ if entry.is_some() => match self.url_text(&key) {
                Some(found) => found,
                None => return,
            },
            _ => {
                // A missing section already explains a missing URL.
                if is_main {
                    let reason = format!("[{}] has no `{key}`", self.section);
                    self.defer(Deferral::Absent, &key, reason, None);
                }
                return;
            }
        };
        if let Source::File { .. } = source {
            if text.trim().is_empty() {
                let reason = format!("`{key}` is empty");
                self.defer(Deferral::Empty, &key, reason, Some(source));
                return;
            }
            if checks::is_alembic_placeholder(&text) {
                let reason = format!(
                    "`{key}` is Alembic's placeholder `{}`",
                    secret::mask_urls(text.trim())
                );
                self.defer(Deferral::Placeholder, &key, reason, Some(source));
                return;
            }
        }
        let url = match DatabaseUrl::parse(&text, self.style) {
            Ok(url) => url,
            Err(e) => {
                let message = match &source {
                    Source::Env { var, from } => format!("{var} (from {from}): {e}"),
                    _ => format!("`{key}`: {e}"),
                };
                let hint = e.suggestion().map(str::to_owned);
                self.problem_at(Kind::InvalidUrl, &key, message, &source, hint);
                return;
            }
        };
        if !self.opts.backends.contains(url.backend()) {
            let message = format!(
                "`{key}` is a {} URL, but this build has only {} support; enable the `{}` feature of {}",
                url.backend(),
                self.opts.backends.names().join(", "),
                url.backend(),
                self.opts.features_of
            );
            self.problem_at(Kind::BackendNotEnabled, &key, message, &source, None);
            return;
        }
        self.effective.insert(
            "url".to_owned(),
            Effective {
                value: Value::Url(url),
                source,
            },
        );
    }

    /// `connect_args.*` of another backend, and isolation levels SQLite
    /// does not have.
    fn check_backend_specific(&mut self) {
        let Some(Effective {
            value: Value::Url(url),
            ..
        }) = self.effective.get("url")
        else {
            return;
        };
        let backend = url.backend();
        let misplaced: Vec<(String, Backend)> = self
            .effective
            .keys()
            .filter_map(|name| {
                let spec_backend = options::spec(name)?.backend?;
                (spec_backend != backend).then(|| (name.clone(), spec_backend))
            })
            .collect();
        for (name, spec_backend) in misplaced {
            self.effective.shift_remove(&name);
            let key = format!("{}{name}", self.prefix);
            self.problem(
                Kind::WrongBackend,
                &key,
                format!(
                    "`{key}` is a {spec_backend} setting, but the URL is for {backend}; remove it"
                ),
            );
        }
        if backend == Backend::Sqlite {
            if let Some(Effective {
                value: Value::Choice(level),
                ..
            }) = self.effective.get("isolation_level")
            {
                if !matches!(*level, "SERIALIZABLE" | "READ UNCOMMITTED") {
                    let key = format!("{}isolation_level", self.prefix);
                    let message = format!("`{key}`: SQLite supports only SERIALIZABLE and READ UNCOMMITTED, not {level}");
                    self.effective.shift_remove("isolation_level");
                    self.problem(Kind::InvalidValue, &key, message);
                }
            }
        }
    }

    fn unknown(&mut self, key: &str, name: &str) {
        let candidates: Vec<&str> = ENGINE_OPTIONS.iter().map(|s| s.name).collect();
        let mut d = self.diagnostic(
            Kind::UnknownOption,
            key,
            format!(
                "`{key}` is not an engine option; known options: {}",
                ENGINE_OPTIONS
                    .iter()
                    .filter(|s| s.backend.is_none())
                    .map(|s| s.name)
                    .collect::<Vec<_>>()
                    .join(", ")
            ) + ", connect_args.*",
        );
        // Compare connect_args.* by what follows the shared prefix, or the
        // prefix alone makes every candidate look close.
        let hint = match name.strip_prefix("connect_args.") {
            Some(arg) => suggest(
                arg,
                candidates
                    .iter()
                    .filter_map(|c| c.strip_prefix("connect_args.")),
            )
            .map(|s| format!("connect_args.{s}")),
            None => suggest(
                name,
                candidates
                    .iter()
                    .copied()
                    .filter(|c| !c.starts_with("connect_args.")),
            )
            .map(str::to_owned),
        };
        if let Some(s) = hint {
            d = d.suggest(format!("{}{s}", self.prefix));
        }
        self.problems.push(d);
    }

    fn problem(&mut self, kind: Kind, key: &str, message: String) {
        let d = self.diagnostic(kind, key, message);
        self.problems.push(d);
    }

    /// A problem about the URL, which may not come from the file at all.
    fn problem_at(
        &mut self,
        kind: Kind,
        key: &str,
        message: String,
        source: &Source,
        suggestion: Option<String>,
    ) {
        let mut d = match source {
            Source::File { .. } => self.diagnostic(kind, key, message),
            _ => Diagnostic::new(kind, message).for_key(&self.section, key),
        };
        if let Some(s) = suggestion {
            d = d.suggest(s);
        }
        self.problems.push(d);
    }

    fn defer(&mut self, deferral: Deferral, key: &str, reason: String, source: Option<Source>) {
        self.deferred_url = Some(DeferredUrl {
            deferral,
            key: key.to_owned(),
            reason,
            source,
        });
    }

    /// The URL's text from the section, like [`Resolver::text_of`], except
    /// that a `${NAME}` with NAME unset leaves the URL to run time rather
    /// than being a problem.
    fn url_text(&mut self, key: &str) -> Option<(String, Source)> {
        let doc = self.config.document();
        let entry = doc.entry(&self.section, key)?;
        if entry.kind != ValueKind::Literal {
            if let Ok(Some(raw)) = doc.get(&self.section, key) {
                if let Err((Kind::EnvMissing, _)) = env::expand(&raw, self.env) {
                    let unset: Vec<String> = secret::references(&raw)
                        .into_iter()
                        .filter_map(|r| match r {
                            secret::Reference::Env(name)
                                if self.env.get(name).is_none()
                                    && raw.contains(&format!("${{{name}}}")) =>
                            {
                                Some(format!("${{{name}}}"))
                            }
                            _ => None,
                        })
                        .collect();
                    let reason = format!(
                        "`{key}` takes {}, which {} not set",
                        unset.join(", "),
                        if unset.len() == 1 { "is" } else { "are" }
                    );
                    let source = Source::of_entry(self.config, entry);
                    self.defer(Deferral::EnvUnset, key, reason, Some(source));
                    return None;
                }
            }
        }
        self.text_of(key)
    }

    fn diagnostic(&self, kind: Kind, key: &str, message: String) -> Diagnostic {
        let doc = self.config.document();
        if let Some(Origin::Set(by)) = doc.entry(&self.section, key).map(|e| &e.origin) {
            let from = Source::Set(by.clone());
            return Diagnostic::new(kind, format!("{message} (set by {from})"))
                .for_key(&self.section, key);
        }
        let mut d = Diagnostic::new(kind, message)
            .in_file(self.config.config_file_name())
            .for_key(&self.section, key);
        if let Some(line) = doc.entry(&self.section, key).and_then(|e| e.origin.line()) {
            let text = doc.line_text(line).unwrap_or_default();
            let column = text.chars().take_while(|c| c.is_whitespace()).count() + 1;
            d = d.at_line(line).at_column(column).with_snippet(text);
        }
        d
    }
}

impl Resolution {
    /// The typed settings, or every problem.
    pub fn settings(&self) -> Result<EngineSettings, ConfigError> {
        if let Ok(error) = ConfigError::try_from(self.problems.clone()) {
            return Err(error);
        }
        let get = |name: &str| self.effective.get(name).map(|e| &e.value);
        if let Some(deferred) = &self.deferred_url {
            return Err(deferred.error().into());
        }
        let Some(Value::Url(url)) = get("url") else {
            return Err(Diagnostic::new(
                Kind::MissingUrl,
                "no database URL; set DATABASE_URL or the url option",
            )
            .into());
        };
        let int = |name: &str| match get(name) {
            Some(Value::Int(i)) => *i,
            _ => 0,
        };
        let seconds = |name: &str| match get(name) {
            Some(Value::Seconds(s)) => *s,
            _ => None,
        };
        Ok(EngineSettings {
            url: url.clone(),
            echo: match get("echo") {
                Some(Value::Bool(true)) => Echo::Statements,
                Some(Value::Debug) => Echo::Debug,
                _ => Echo::Off,
            },
            pool_size: u32::try_from(int("pool_size")).unwrap_or(u32::MAX),
            max_overflow: u32::try_from(int("max_overflow")).ok(),
            pool_timeout: seconds("pool_timeout").unwrap_or(Duration::from_secs(30)),
            pool_recycle: seconds("pool_recycle"),
            pool_pre_ping: matches!(get("pool_pre_ping"), Some(Value::Bool(true))),
            poolclass: match get("poolclass") {
                Some(Value::Choice("NullPool")) => PoolClass::NullPool,
                _ => PoolClass::QueuePool,
            },
            isolation_level: match get("isolation_level") {
                Some(Value::Choice(level)) => Some(level),
                _ => None,
            },
            connect_args: self
                .effective
                .iter()
                .filter_map(|(k, e)| {
                    Some((k.strip_prefix("connect_args.")?.to_owned(), e.value.clone()))
                })
                .collect(),
        })
    }
}
