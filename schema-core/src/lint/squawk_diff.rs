//! The differential against squawk (PyPI `squawk-cli` 2.70, pinned in
//! `.ci/run`): on a corpus of PostgreSQL DDL (fixed statements plus a
//! seeded generator; `SCHEMA_LINT_DIFF_CASES` makes it longer), every
//! squawk finding maps to a finding of ours on the same statement or to a
//! difference named here and in the README's Lint section. Runs when
//! `SCHEMA_TEST_SQUAWK` names the squawk binary.

use std::collections::BTreeMap;
use std::process::Command;

use super::*;

/// squawk rules we do not have, and why (the guide's Lint section,
/// "Left out").
const NOT_BUILT: &[(&str, &str)] = &[
    ("prefer-bigint-over-int", "type style, not a deploy hazard"),
    (
        "prefer-bigint-over-smallint",
        "type style, not a deploy hazard",
    ),
    ("prefer-identity", "type style, not a deploy hazard"),
    ("prefer-text-field", "type style, not a deploy hazard"),
    ("prefer-timestamptz", "type style, not a deploy hazard"),
    ("prefer-timestamp-tz", "type style, not a deploy hazard"),
    ("ban-char-field", "type style, not a deploy hazard"),
    (
        "ban-truncate-cascade",
        "TRUNCATE is data, not schema: no migration rule of ours reads DML",
    ),
    (
        "ban-uncommitted-transaction",
        "the runner's record of the revision ends a BEGIN left open: nothing is lost",
    ),
];

/// squawk's name for a rule -> the codes of ours that stand for it.
fn ours(squawk: &str) -> &'static [&'static str] {
    match squawk {
        "adding-required-field" => &["adding-not-nullable-field"],
        "adding-not-nullable-field" => &["setting-not-nullable-field"],
        "adding-field-with-default" => &["adding-field-with-volatile-default"],
        // squawk also says it of UNIQUE and PRIMARY KEY, which cannot be NOT VALID;
        // ours name the index build instead.
        "constraint-missing-not-valid" => &[
            "constraint-missing-not-valid",
            "adding-foreign-key-constraint",
            "disallowed-unique-constraint",
            "adding-serial-primary-key-field",
        ],
        "adding-foreign-key-constraint" => &["adding-foreign-key-constraint"],
        "require-concurrent-index-creation" => &["require-concurrent-index-creation"],
        "require-concurrent-index-deletion" => &["require-concurrent-index-deletion"],
        "changing-column-type" => &["changing-column-type"],
        "renaming-column" => &["renaming-column"],
        "renaming-table" => &["renaming-table"],
        "disallowed-unique-constraint" => &["disallowed-unique-constraint"],
        "ban-drop-column" => &["ban-drop-column"],
        "ban-drop-table" => &["ban-drop-table"],
        "ban-drop-database" | "ban-drop-schema" => &["ban-drop-database"],
        "ban-drop-constraint" => &["ban-drop-constraint"],
        "prefer-robust-stmts" => &["prefer-robust-stmts"],
        "require-lock-timeout" => &["require-lock-timeout"],
        "require-statement-timeout" => &["require-statement-timeout"],
        "transaction-nesting" => &["transaction-nesting"],
        "require-concurrent-reindex" => &["require-concurrent-reindex"],
        "ban-drop-not-null" => &["ban-drop-not-null"],
        "adding-serial-primary-key-field" => &["adding-serial-primary-key-field"],
        "ban-concurrent-index-creation-in-transaction" => {
            &["ban-concurrent-index-creation-in-transaction"]
        }
        _ => &[],
    }
}

/// Where squawk and we disagree on purpose, by (squawk rule, statement
/// text fragment): the reason.
fn known_difference(rule: &str, statement: &str) -> Option<&'static str> {
    let s = statement.to_ascii_uppercase();
    match rule {
        // NOT VALID takes SHARE ROW EXCLUSIVE briefly and scans nothing;
        // the VALIDATE that follows takes SHARE UPDATE EXCLUSIVE (writes go on).
        "adding-foreign-key-constraint" if s.contains("NOT VALID") => {
            Some("a NOT VALID foreign key scans nothing")
        }
        // squawk flags any constant default on old versions; we lint for
        // PostgreSQL 11+, where a constant or STABLE default is no rewrite
        // (pg_relation_filenode unchanged: lint_claims).
        "adding-field-with-default" => {
            Some("constant and STABLE defaults do not rewrite on PostgreSQL 11+")
        }
        // squawk says "Missing transaction" of every ALTER it cannot make
        // robust; the runner's transaction is the default here, and ours
        // name only statements a guard makes safe to run again.
        "prefer-robust-stmts"
            if s.contains(" ALTER COLUMN ")
                || s.contains(" RENAME ")
                || s.starts_with("ALTER TABLE") && s.contains(" SET ") =>
        {
            Some("an ALTER with no IF [NOT] EXISTS form: the fix is the runner's transaction")
        }
        _ => None,
    }
}

const FIXED: &[&str] = &[
    "CREATE INDEX items_email ON items (email)",
    "CREATE UNIQUE INDEX items_name_key ON items (name)",
    "DROP INDEX items_name",
    "ALTER TABLE items ADD CONSTRAINT items_parent FOREIGN KEY (parent_id) REFERENCES parents (id)",
    "ALTER TABLE items ADD CONSTRAINT items_parent FOREIGN KEY (parent_id) REFERENCES parents (id) NOT VALID",
    "ALTER TABLE items ADD CONSTRAINT items_n CHECK (n >= 0)",
    "ALTER TABLE items ADD CONSTRAINT items_n CHECK (n >= 0) NOT VALID",
    "ALTER TABLE items ALTER COLUMN n TYPE BIGINT",
    "ALTER TABLE items ADD COLUMN token DOUBLE PRECISION DEFAULT random()",
    "ALTER TABLE items ADD COLUMN created TIMESTAMPTZ DEFAULT now()",
    "ALTER TABLE items ADD COLUMN seq BIGSERIAL",
    "ALTER TABLE items ADD CONSTRAINT items_email_key UNIQUE (email)",
    "ALTER TABLE items ALTER COLUMN name SET NOT NULL",
    "ALTER TABLE items ALTER COLUMN name DROP NOT NULL",
    "ALTER TABLE items DROP COLUMN email",
    "DROP TABLE items",
    "ALTER TABLE items RENAME COLUMN name TO title",
    "ALTER TABLE items RENAME TO things",
    "ALTER TABLE items ADD COLUMN age INTEGER NOT NULL",
    "ALTER TABLE items ADD COLUMN age INTEGER NOT NULL DEFAULT 0",
    "ALTER TABLE items ADD PRIMARY KEY (id)",
    "ALTER TABLE items DROP CONSTRAINT items_n",
    "DROP SCHEMA archive",
    "CREATE TABLE fresh (id BIGINT)",
    "CREATE TABLE IF NOT EXISTS fresh2 (id BIGINT)",
    "DROP TABLE IF EXISTS fresh2",
    "REINDEX TABLE items",
    "REINDEX INDEX items_name",
];

/// Put last in the corpus (squawk takes the lines after a BEGIN to be in
/// a transaction): transaction control, which squawk flags only with
/// `--assume-in-transaction`.
const LAST: &[&str] = &["BEGIN", "COMMIT"];

/// A small deterministic generator (xorshift), so a failure replays.
struct Rng(u64);

impl Rng {
    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        items[(self.0 % items.len() as u64) as usize]
    }
}

fn generated(n: usize, seed: u64) -> Vec<String> {
    let mut rng = Rng(seed);
    let tables = ["items", "parents", "orders"];
    let columns = ["name", "email", "n", "total", "note"];
    let types = [
        "INTEGER",
        "BIGINT",
        "TEXT",
        "VARCHAR(40)",
        "BOOLEAN",
        "TIMESTAMPTZ",
        "UUID",
    ];
    let defaults = [
        "",
        " DEFAULT 0",
        " DEFAULT now()",
        " DEFAULT random()",
        " DEFAULT gen_random_uuid()",
        " DEFAULT 'x'",
    ];
    let nulls = ["", " NOT NULL"];
    (0..n)
        .map(|i| {
            let (t, c) = (rng.pick(&tables), rng.pick(&columns));
            match i % 9 {
                0 => format!("CREATE {}INDEX {t}_{c}_{i} ON {t} ({c})", rng.pick(&["", "UNIQUE "])),
                1 => format!("ALTER TABLE {t} ADD COLUMN c{i} {}{}{}", rng.pick(&types), rng.pick(&nulls), rng.pick(&defaults)),
                2 => format!("ALTER TABLE {t} ALTER COLUMN {c} TYPE {}", rng.pick(&types)),
                3 => format!("ALTER TABLE {t} ALTER COLUMN {c} {} NOT NULL", rng.pick(&["SET", "DROP"])),
                4 => format!("ALTER TABLE {t} DROP COLUMN {c}"),
                5 => format!("ALTER TABLE {t} ADD CONSTRAINT k{i} CHECK ({c} IS NOT NULL){}", rng.pick(&["", " NOT VALID"])),
                6 => format!("ALTER TABLE {t} ADD CONSTRAINT f{i} FOREIGN KEY ({c}) REFERENCES parents (id){}", rng.pick(&["", " NOT VALID"])),
                7 => format!("ALTER TABLE {t} RENAME COLUMN {c} TO {c}_{i}"),
                _ => format!("DROP INDEX {t}_{c}"),
            }
        })
        .collect()
}

#[test]
fn every_squawk_finding_maps_to_ours_or_a_listed_difference() {
    let Some(squawk) = std::env::var_os("SCHEMA_TEST_SQUAWK") else {
        eprintln!(
            "skipped: SCHEMA_TEST_SQUAWK does not name the squawk binary (.ci/run installs it)"
        );
        return;
    };
    let cases: usize = std::env::var("SCHEMA_LINT_DIFF_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(200);
    let mut corpus: Vec<String> = FIXED.iter().map(|s| (*s).to_owned()).collect();
    corpus.extend(generated(cases, 0x5eed_2024));
    corpus.extend(LAST.iter().map(|s| (*s).to_owned()));
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("corpus.sql");
    // One statement a line: squawk's 0-based line is the corpus index.
    std::fs::write(
        &file,
        corpus.iter().map(|s| format!("{s};\n")).collect::<String>(),
    )
    .unwrap();
    let mut counts: BTreeMap<String, usize> = BTreeMap::new();
    let mut missing = Vec::new();
    // Once as a revision run outside a transaction, once inside the
    // runner's (squawk's `--assume-in-transaction`).
    for in_transaction in [false, true] {
        let mut args = vec!["--reporter", "json", "--pg-version", "15"];
        if in_transaction {
            args.push("--assume-in-transaction");
        }
        let out = Command::new(&squawk)
            .args(&args)
            .arg(&file)
            .output()
            .unwrap();
        let found: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_else(|e| {
            panic!(
                "squawk's output is not JSON ({e}): {}",
                String::from_utf8_lossy(&out.stderr)
            )
        });
        for f in found.as_array().unwrap() {
            let rule = f["rule_name"].as_str().unwrap();
            let line = f["line"].as_u64().unwrap() as usize;
            let statement = &corpus[line];
            if let Some((_, why)) = NOT_BUILT.iter().find(|(r, _)| *r == rule) {
                *counts.entry(format!("not built: {why}")).or_default() += 1;
                continue;
            }
            // In squawk's file more statements follow each one, as in a
            // revision of several (prefer-robust-stmts speaks of those).
            let sql = format!("{statement};\nSELECT 1;\n");
            let input = RevisionInput {
                revision: "r",
                file: "up.sql".into(),
                sql: &sql,
                backend: Backend::Postgres,
                before: None,
                in_transaction,
                lock_timeout: false,
                statement_timeout: false,
                sqlite_foreign_keys: false,
                metadata_allow: &[],
                previous: &[],
                galera: false,
                rows: None,
            };
            let codes: Vec<_> = lint_revision(&input, &LintConfig::default())
                .into_iter()
                .map(|f| f.code)
                .collect();
            if ours(rule).iter().any(|c| codes.contains(c)) {
                *counts.entry(format!("matched {rule}")).or_default() += 1;
                *counts.entry("matched".into()).or_default() += 1;
            } else if let Some(why) = known_difference(rule, statement) {
                *counts.entry(format!("difference: {why}")).or_default() += 1;
            } else {
                missing.push(format!(
                    "{rule} on `{statement}` (in a transaction: {in_transaction}; ours: {codes:?})"
                ));
            }
        }
    }
    eprintln!(
        "squawk differential on {} statements: {counts:#?}",
        corpus.len()
    );
    assert!(
        counts.get("matched").copied().unwrap_or(0) > 0,
        "squawk found nothing"
    );
    assert!(
        missing.is_empty(),
        "squawk findings with no counterpart:\n{}",
        missing.join("\n")
    );
}
