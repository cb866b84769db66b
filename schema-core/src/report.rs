//! What `cargo schema config` shows: every value of a section, where each
//! came from, the engine options after every override, and every problem.
//!
//! The JSON shape is a contract (tools and CI read it); the field docs below
//! are its reference. Everything in a report is masked unless it was built
//! with `reveal`.

use std::path::PathBuf;

use indexmap::IndexMap;
use serde::Serialize;

use crate::config::Config;
use crate::diag::{ConfigError, Diagnostic};
use crate::engine::{self, Deferral, Effective, ResolveOptions, Source};
use crate::env::Environment;
use crate::options::Value;
use crate::secret::{self, Redactor};

/// The report, serialised as `config --format json` prints it.
#[derive(Debug, Clone, Serialize)]
pub struct ConfigReport {
    /// Absolute path of the ini file.
    pub file: PathBuf,
    /// The main section (`schema`, `alembic`, or `-n NAME`).
    pub main_section: String,
    /// The section shown (`--section`, else the main one).
    pub section: String,
    /// Whether that section exists.
    pub exists: bool,
    /// Every named section, in file order.
    pub sections: Vec<String>,
    /// Alembic's `get_section(section, {})`, overrides included; `null`
    /// when a value fails to interpolate.
    pub options: Option<IndexMap<String, String>>,
    /// Why `options` is `null`.
    pub options_error: Option<ErrorJson>,
    /// Each key (own keys, then inherited `[DEFAULT]` keys): its value and
    /// source, or its error.
    pub values: IndexMap<String, ValueJson>,
    /// Each key's value as written.
    pub raw: IndexMap<String, String>,
    /// The engine option prefix.
    pub prefix: String,
    /// `options` filtered by the prefix, prefix stripped, still text;
    /// `null` whenever `options` is (Alembic's
    /// `engine_from_config(config.get_section(...))` raises there).
    pub engine: Option<IndexMap<String, String>>,
    /// Engine options after environment, `.env`, `${}` and defaults, typed.
    pub effective: IndexMap<String, EffectiveJson>,
    /// Every problem; `config` exits 2 when there is one.
    pub problems: Vec<ProblemJson>,
    /// The problems with their snippets, for the text renderer.
    #[serde(skip)]
    pub diagnostics: Vec<Diagnostic>,
}

/// An error inside a report.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct ErrorJson {
    /// snake_case kind.
    pub kind: &'static str,
    /// What is wrong.
    pub message: String,
    /// 1-based line, when in the file.
    pub line: Option<usize>,
}

impl From<&Diagnostic> for ErrorJson {
    fn from(d: &Diagnostic) -> Self {
        ErrorJson {
            kind: d.kind.as_str(),
            message: d.message.clone(),
            line: d.line,
        }
    }
}

/// The report when the file cannot be read at all.
#[derive(Debug, Clone, Serialize)]
pub struct UnreadableReport {
    /// The file the error is about (`null` when the project itself could
    /// not be found).
    pub file: Option<PathBuf>,
    /// Why it cannot be read.
    pub error: ErrorJson,
}

impl UnreadableReport {
    /// From the error of reading `file`; the file is the one the error is
    /// about (a broken `.env`, say) when it names one.
    pub fn new(file: Option<PathBuf>, error: &ConfigError) -> Self {
        UnreadableReport {
            file: error.primary().file.clone().or(file),
            error: error.primary().into(),
        }
    }
}

/// One key of `values`.
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum ValueJson {
    /// It reads fine.
    Ok {
        /// The interpolated value.
        value: String,
        /// `schema.ini:LINE`, `built-in`, `command line --set`, ...
        source: String,
    },
    /// It does not.
    Err {
        /// Why.
        error: ErrorJson,
    },
}

/// One effective engine option.
#[derive(Debug, Clone, Serialize)]
pub struct EffectiveJson {
    /// Typed value (number, boolean, string; URLs masked); `null` for a
    /// URL left to run time.
    pub value: serde_json::Value,
    /// Where it came from (`not set` for a URL the file does not have).
    pub source: String,
    /// Only on a `url` the file leaves to run time: why, and where it will
    /// come from.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub deferred: Option<DeferredJson>,
}

/// Why the URL is left to run time.
#[derive(Debug, Clone, Serialize)]
pub struct DeferredJson {
    /// `absent`, `empty`, `placeholder` or `env_unset`.
    pub kind: Deferral,
    /// The note `config` prints.
    pub message: String,
}

/// One problem.
#[derive(Debug, Clone, Serialize)]
pub struct ProblemJson {
    /// snake_case kind.
    pub kind: &'static str,
    /// The key, prefix included.
    pub key: Option<String>,
    /// 1-based line.
    pub line: Option<usize>,
    /// What is wrong and what to do.
    pub message: String,
    /// What the user probably meant.
    pub suggestion: Option<String>,
}

impl From<&Diagnostic> for ProblemJson {
    fn from(d: &Diagnostic) -> Self {
        ProblemJson {
            kind: d.kind.as_str(),
            key: d.key.clone(),
            line: d.line,
            message: d.message.clone(),
            suggestion: d.suggestion.clone(),
        }
    }
}

/// Build the report for `opts.section` (or the main section).
pub fn build(
    config: &Config,
    env: &Environment,
    opts: &ResolveOptions<'_>,
    reveal: bool,
) -> ConfigReport {
    let doc = config.document();
    let section = opts
        .section
        .unwrap_or(config.config_ini_section())
        .to_owned();
    let exists = doc.has_section(&section);
    let resolution = engine::resolve(config, env, opts);
    let prefix = resolution.prefix.clone();

    let mut redactor = Redactor::default();
    if !reveal {
        collect_secrets(config, env, &resolution.effective, &mut redactor);
    }
    let show = |key: &str, text: &str| -> String {
        if reveal {
            text.to_owned()
        } else if secret::is_secret_key(key) && !text.is_empty() {
            secret::MASK.to_owned()
        } else {
            redactor.redact(text)
        }
    };

    let (options, options_error) = match config.get_section(&section) {
        Ok(found) => (
            Some(
                found
                    .unwrap_or_default()
                    .into_iter()
                    .map(|(k, v)| {
                        let shown = show(&k, &v);
                        (k, shown)
                    })
                    .collect::<IndexMap<_, _>>(),
            ),
            None,
        ),
        Err(e) => (None, Some(ErrorJson::from(e.primary()))),
    };

    let mut values = IndexMap::new();
    let mut raw = IndexMap::new();
    let mut engine_text = IndexMap::new();
    let mut diagnostics = resolution.problems.clone();
    if exists {
        for key in doc.keys(&section) {
            let Some(entry) = doc.entry(&section, key) else {
                continue;
            };
            raw.insert(key.to_owned(), show(key, &entry.value));
            let value = match doc.get(&section, key) {
                Ok(value) => {
                    let value = show(key, &value.unwrap_or_default());
                    if let Some(name) = key.strip_prefix(prefix.as_str()) {
                        engine_text.insert(name.to_owned(), value.clone());
                    }
                    ValueJson::Ok {
                        value,
                        source: Source::of_entry(config, entry).to_string(),
                    }
                }
                Err(d) => {
                    let already = diagnostics
                        .iter()
                        .any(|p| p.kind == d.kind && p.line == d.line && p.key == d.key);
                    if !already {
                        diagnostics.push(d.clone());
                    }
                    ValueJson::Err { error: (&d).into() }
                }
            };
            values.insert(key.to_owned(), value);
        }
    }
    diagnostics.sort_by_key(|d| d.line.unwrap_or(usize::MAX));

    let deferred = resolution.deferred_url.as_ref().map(|d| {
        let json = EffectiveJson {
            value: serde_json::Value::Null,
            source: d
                .source
                .as_ref()
                .map_or_else(|| "not set".to_owned(), ToString::to_string),
            deferred: Some(DeferredJson {
                kind: d.deferral,
                message: redactor.redact(&d.note()),
            }),
        };
        ("url".to_owned(), json)
    });
    let effective = deferred
        .into_iter()
        .chain(
            resolution
                .effective
                .iter()
                .map(|(name, Effective { value, source })| {
                    let json = match value {
                        Value::Url(url) if reveal => serde_json::Value::from(url.as_str()),
                        Value::Text(t) if !reveal => serde_json::Value::from(show(name, t)),
                        other => other.to_json(),
                    };
                    let source = redactor.redact(&source.to_string());
                    (
                        name.clone(),
                        EffectiveJson {
                            value: json,
                            source,
                            deferred: None,
                        },
                    )
                }),
        )
        .collect();

    let diagnostics: Vec<Diagnostic> = diagnostics
        .into_iter()
        .map(|mut d| {
            d.message = redactor.redact(&d.message);
            d.snippet = d.snippet.map(|s| redactor.redact(&s));
            d
        })
        .collect();

    ConfigReport {
        file: config.config_file_name().to_owned(),
        main_section: config.config_ini_section().to_owned(),
        section,
        exists,
        sections: config.sections().into_iter().map(str::to_owned).collect(),
        engine: options.is_some().then_some(engine_text),
        options,
        options_error,
        values,
        raw,
        prefix,
        effective,
        problems: diagnostics.iter().map(ProblemJson::from).collect(),
        diagnostics,
    }
}

/// Every secret the report could show, from every section (a password in
/// `[DEFAULT]` shows under any section): passwords of URLs, values of keys
/// named like passwords, and the values that a URL's password refers to
/// (`%(pw)s`, `${DB_PASSWORD}`) even when the URL itself does not read.
fn collect_secrets(
    config: &Config,
    env: &Environment,
    effective: &IndexMap<String, Effective>,
    redactor: &mut Redactor,
) {
    let doc = config.document();
    let sections: Vec<&str> = doc.sections().collect();
    let mut keys: Vec<(Option<&str>, &str)> = doc
        .section_data(None)
        .into_iter()
        .flat_map(|d| d.entries.keys().map(|k| (None, k.as_str())))
        .collect();
    for section in &sections {
        keys.extend(doc.keys(section).into_iter().map(|k| (Some(*section), k)));
    }
    let read = |section: Option<&str>, key: &str| -> Vec<String> {
        let Some(data) = doc.section_data(section) else {
            return Vec::new();
        };
        let raw = data
            .entries
            .get(key)
            .or_else(|| doc.section_data(None).and_then(|d| d.entries.get(key)));
        let mut out: Vec<String> = raw.map(|e| e.value.clone()).into_iter().collect();
        if let Some(Ok(Some(v))) = section.map(|s| doc.get(s, key)) {
            out.push(v);
        }
        out
    };
    for (section, key) in keys {
        let values = read(section, key);
        for value in &values {
            if secret::is_secret_key(key) {
                redactor.add(value);
            }
            redactor.add_url(value);
            for raw in secret::raw_passwords(value) {
                for reference in secret::references(raw) {
                    match reference {
                        secret::Reference::Key(name) => {
                            for v in read(section, &name.to_lowercase()) {
                                redactor.add(&v);
                            }
                        }
                        secret::Reference::Env(name) => {
                            if let Some((v, _)) = env.get(name) {
                                redactor.add(v);
                            }
                        }
                    }
                }
            }
        }
    }
    if let Some(Effective {
        value: Value::Url(url),
        ..
    }) = effective.get("url")
    {
        if let Some(password) = url.password() {
            redactor.add(password);
        }
    }
}
