//! `cargo schema lint`'s rules: what a revision's statements will lock,
//! rewrite, lose or break on the server, said before it runs.
//!
//! Pure: a revision's SQL, the schema its earlier revisions built (read by
//! the caller from a scratch database) and the way the runner will run it
//! (inside a transaction or not) go in; [`Finding`]s come out. Statements
//! are split as the runner splits them ([`crate::sql::split`]) and parsed
//! with `sqlparser` in the backend's dialect. Each rule has a stable code
//! (squawk's name where squawk has the rule), a default [`Severity`], and
//! says what happens on the server and the safe way to do it, as
//! strong_migrations' README does. The rule table is [`RULES`]; the rules
//! themselves live one family a file under `rules/`.

mod allow;
mod parse;
mod rows;
mod rules;

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;

use serde::Serialize;

use crate::schema::diesel::parse::DeclaredTable;
use crate::schema::Schema;
use crate::url::Backend;

pub use allow::{Level, LintConfig};
pub use rows::{Estimate, RowEstimates, SQLITE_COUNT_LIMIT};
pub use rules::RULES;

/// How bad a finding is: errors fail `lint` and `check` (exit 3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Worth reading; does not fail the run.
    Warning,
    /// Fails `lint` and `check`.
    Error,
}

impl Severity {
    /// `error` or `warning`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Warning => "warning",
            Severity::Error => "error",
        }
    }
}

/// One rule: its code, default severity, the backends it applies to and a
/// one-line summary (the README's table is this list).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Rule {
    /// The stable code (`require-concurrent-index-creation`).
    pub code: &'static str,
    /// Its severity unless `[lint]` says otherwise.
    pub severity: Severity,
    /// The backends it checks.
    pub backends: &'static [Backend],
    /// What it catches.
    pub summary: &'static str,
}

/// The rule called `code`.
pub fn rule(code: &str) -> Option<&'static Rule> {
    RULES.iter().find(|r| r.code == code)
}

/// One problem of one statement.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    /// The rule's code.
    pub code: &'static str,
    /// Its severity, after `[lint]`.
    pub severity: Severity,
    /// The revision id.
    pub revision: String,
    /// The file the statement is in (`up.sql`, or `metadata.toml` for a
    /// finding about it).
    pub file: PathBuf,
    /// 1-based line of the statement's first word.
    pub line: usize,
    /// The statement's text.
    pub statement: String,
    /// What happens on the server.
    pub message: String,
    /// The safe way to do it.
    pub help: String,
}

/// The tables the release running before the deploy uses, as its
/// schema.rs declares them: during a rolling deploy it keeps running while
/// the revisions run, so a revision may not take away what it names.
#[derive(Debug, Clone, Default)]
pub struct PreviousRelease {
    /// Where that schema.rs was read, as findings name it
    /// (`main:src/schema.rs`, or the `--previous-schema` file).
    pub label: String,
    /// Its tables, with the line of each table and column.
    pub tables: Vec<DeclaredTable>,
}

/// One revision to lint, and what is known around it.
#[derive(Debug, Clone)]
pub struct RevisionInput<'a> {
    /// Its id.
    pub revision: &'a str,
    /// Its up.sql's path, for findings.
    pub file: PathBuf,
    /// Its up.sql.
    pub sql: &'a str,
    /// The backend it runs on.
    pub backend: Backend,
    /// The schema before it runs; `None` when it could not be built (every
    /// table a statement names is then taken to exist already, unless
    /// this revision created it).
    pub before: Option<&'a Schema>,
    /// Whether the runner runs it inside a transaction.
    pub in_transaction: bool,
    /// Whether the runner sets a lock timeout around it
    /// (`statement_lock_timeout` in its metadata.toml or the main section).
    pub lock_timeout: bool,
    /// Whether the runner sets a statement timeout around it
    /// (`statement_timeout` in its metadata.toml or the main section).
    pub statement_timeout: bool,
    /// SQLite: whether the runner's connection enforces foreign keys
    /// (`connect_args.foreign_keys`).
    pub sqlite_foreign_keys: bool,
    /// Codes its metadata.toml allows (`lint.allow`).
    pub metadata_allow: &'a [String],
    /// The previous release's schema.rs files (one per `[print_schema]`
    /// file), when known (`--base`, `--previous-schema`).
    pub previous: &'a [PreviousRelease],
    /// The live database's row estimates (`--against-database`): findings
    /// name them beside the tables that existed before the revision.
    pub rows: Option<&'a RowEstimates>,
    /// The target is a node of a Galera cluster (MySQL/MariaDB): its own
    /// limits are checked too.
    pub galera: bool,
}

/// Everything a rule sees besides the statement.
pub(crate) struct Context<'a> {
    pub backend: Backend,
    pub before: Option<&'a Schema>,
    /// Tables created earlier in this revision, lower-cased.
    pub created: HashSet<String>,
    pub in_transaction: bool,
    pub foreign_keys: bool,
    /// Tables this revision rebuilds: a table it creates is renamed to
    /// their name (SQLite's 12 steps); dropping the old one loses nothing.
    pub rebuilt: HashSet<String>,
    pub previous: &'a [PreviousRelease],
    /// The columns of each table created earlier in this revision,
    /// lower-cased (a rebuild's new table).
    pub created_columns: HashMap<String, Vec<String>>,
    /// The live database's row estimates, when read.
    #[allow(dead_code)] // for rules that weigh a table's size
    pub rows: Option<&'a RowEstimates>,
    /// A rebuild's new table -> the table it replaces (both lower-cased).
    pub rebuild_of: HashMap<String, String>,
    /// Whether a lock timeout holds for the statement (runner setting or
    /// an earlier `SET` of the revision).
    pub lock_timeout: bool,
    /// Likewise for the statement timeout.
    pub statement_timeout: bool,
    /// Whether `require-lock-timeout` / `require-statement-timeout` were
    /// said in this revision already (once a revision is enough).
    pub timeouts_said: (bool, bool),
    /// `[lint] sqlite_version`: the oldest SQLite the revisions run on.
    pub sqlite_version: Option<(u32, u32)>,
    /// Whether the statement checked is the revision's last.
    pub last_statement: bool,
    /// Whether a revision run outside the runner's transaction has opened
    /// one of its own (BEGIN not yet committed or rolled back).
    pub own_transaction: bool,
    /// [`RevisionInput::galera`].
    pub galera: bool,
}

/// What a rule reports, before it is placed and levelled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Hit {
    pub code: &'static str,
    pub message: String,
    pub help: String,
}

/// Lint one revision with `config`; findings in statement order.
pub fn lint_revision(input: &RevisionInput<'_>, config: &LintConfig) -> Vec<Finding> {
    let mut ctx = Context {
        backend: input.backend,
        before: input.before,
        created: HashSet::new(),
        in_transaction: input.in_transaction,
        foreign_keys: input.sqlite_foreign_keys,
        rebuilt: HashSet::new(),
        previous: input.previous,
        created_columns: HashMap::new(),
        rows: input.rows,
        rebuild_of: HashMap::new(),
        lock_timeout: input.lock_timeout,
        statement_timeout: input.statement_timeout,
        timeouts_said: (false, false),
        sqlite_version: config.sqlite_version,
        last_statement: false,
        own_transaction: false,
        galera: input.galera,
    };
    let comments = allow::Comments::read(input.sql);
    let mut findings = Vec::new();
    let place = |hit: Hit, line: usize, statement: &str| Finding {
        code: hit.code,
        severity: rule(hit.code).map_or(Severity::Warning, |r| r.severity),
        revision: input.revision.to_owned(),
        file: input.file.clone(),
        line,
        statement: statement.to_owned(),
        message: hit.message,
        help: hit.help,
    };
    for comment in comments.without_reason() {
        findings.push(place(
            allow::no_reason(&comment.code),
            comment.line,
            &comment.text,
        ));
    }
    for comment in comments.unknown_codes() {
        findings.push(place(
            allow::unknown_code(&comment.code),
            comment.line,
            &comment.text,
        ));
    }
    let statements: Vec<_> = crate::sql::split(input.sql, input.backend)
        .into_iter()
        .map(|s| {
            let parsed = parse::parse(&s.text, input.backend);
            (s, parsed)
        })
        .collect();
    ctx.rebuild_of = rules::rebuilt(statements.iter().filter_map(|(_, p)| p.statement.as_ref()));
    ctx.rebuilt = ctx.rebuild_of.values().cloned().collect();
    let count = statements.len();
    for (index, (statement, parsed)) in statements.iter().enumerate() {
        ctx.last_statement = index + 1 == count;
        let mut hits = Vec::new();
        rules::check(parsed, &mut ctx, &mut hits);
        let last_line = statement.line + statement.text.lines().count().saturating_sub(1);
        for hit in hits {
            if comments.allows(hit.code, statement.line, last_line)
                || input.metadata_allow.iter().any(|c| c == hit.code)
            {
                continue;
            }
            let hit = match ctx.rows {
                Some(rows) => Hit {
                    message: rows.annotate(&hit.message, |name| ctx.existing(name)),
                    ..hit
                },
                None => hit,
            };
            findings.push(place(hit, statement.line, &statement.text));
        }
    }
    config.apply(findings)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests;

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod squawk_diff;
