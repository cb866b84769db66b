//! Offline mode (`upgrade --sql`): the SQL a run would send, bookkeeping
//! included, for a DBA to review or run with the database's own client
//! (`psql -X -v ON_ERROR_STOP=1 -f`, `mariadb < script`, `sqlite3 -bail`).
//! Nothing connects; the backend only picks the dialect.
//!
//! The statements are those the runner sends, from the same splitter
//! ([`schema_core::sql::split`]), each given a terminator its client reads:
//! `;`, or on MySQL/MariaDB a `DELIMITER` block around a statement that
//! holds `;` (a trigger or procedure body), since the `mariadb` client
//! knows nothing of `BEGIN ... END`. A comment above each statement names
//! the file and line it comes from, in the form `upgrade`'s errors use,
//! so a client's error can be traced to the migration.

use std::fmt::Write;

use schema_core::migrations::{Direction, Migration, RevisionGraph, Step};
use schema_core::settings::{RevisionTimeouts, RunOptions, RunPlan};
use schema_core::sql;
use schema_core::url::Backend;

use crate::bookkeeping;

/// The script for `steps`, with the transactions of the runner's plan
/// ([`RunOptions::offline_plan`]): one for the run where the backend has
/// transactional DDL, one per revision with `transaction_per_migration`
/// and always on MySQL/MariaDB (for a revision's DML and bookkeeping), none
/// around a revision's statements with `transactional_ddl = false`
/// elsewhere. `session` is what the runner's connection runs first
/// (`EngineSettings::session_statements`: `connect_args`,
/// `isolation_level`).
pub fn offline_script(
    graph: &RevisionGraph,
    steps: &[Step],
    backend: Backend,
    options: &RunOptions,
    session: &[String],
) -> String {
    debug_assert!(
        graph.has_sql(),
        "a graph read without its SQL cannot be printed"
    );
    let plan = options.offline_plan(backend);
    let begin = "BEGIN;\n";
    let mut out = String::new();
    let _ = writeln!(out, "-- cargo schema, offline mode ({backend})\n");
    let driver = driver_session(backend);
    if !driver.is_empty() || !session.is_empty() {
        out.push_str("-- The session of upgrade's connection.\n");
        for statement in driver
            .iter()
            .copied()
            .chain(session.iter().map(String::as_str))
        {
            let _ = writeln!(out, "{statement};");
        }
        out.push('\n');
    }
    let whole = plan.whole_run_transaction();
    if whole {
        out.push_str(begin);
    }
    out.push_str(bookkeeping::ddl());
    out.push_str("\n\n");
    if let Some(sqlx) = graph.migrations().iter().find_map(|m| m.sqlx.as_ref()) {
        out.push_str(&bookkeeping::sqlx_ddl(&sqlx.table, backend));
        out.push('\n');
    }
    for step in steps {
        let Ok(m) = graph.resolve_revision(&step.revision) else {
            continue;
        };
        let own = plan.own_transaction(m.run_in_transaction);
        let outside = whole && !m.run_in_transaction;
        if outside {
            out.push_str("COMMIT;\n\n");
        }
        if own {
            out.push_str(begin);
        }
        write_step(&mut out, step, m, backend, &plan);
        if own {
            out.push_str("COMMIT;\n");
        }
        if outside {
            out.push_str(begin);
        }
        out.push('\n');
    }
    if whole {
        out.push_str("COMMIT;\n");
    }
    out
}

/// What diesel's connection runs when it opens (diesel's and diesel-async's
/// `establish` agree): a script run without it would store string
/// literals, routines and time values differently.
fn driver_session(backend: Backend) -> &'static [&'static str] {
    match backend {
        Backend::Sqlite => &[],
        Backend::Postgres => &["SET TIME ZONE 'UTC'", "SET CLIENT_ENCODING TO 'UTF8'"],
        Backend::Mysql => &[
            "SET time_zone = '+00:00'",
            "SET character_set_client = 'utf8mb4'",
            "SET character_set_connection = 'utf8mb4'",
            "SET character_set_results = 'utf8mb4'",
        ],
    }
}

fn write_step(out: &mut String, step: &Step, m: &Migration, backend: Backend, plan: &RunPlan) {
    let (arrow, script) = match step.direction {
        Direction::Up => ("upgrade", m.up_sql.as_str()),
        Direction::Down => ("downgrade", m.down_sql.as_deref().unwrap_or_default()),
    };
    // Names reach a comment escaped, never raw: a line break in one would
    // end the comment and leave the rest to run (loading refuses such names;
    // this holds for any set of migrations).
    let parents = m.parents();
    let parents = sql::comment_text(&parents);
    let this = m.describe();
    let this = sql::comment_text(&this);
    let _ = match step.direction {
        Direction::Up => writeln!(out, "-- Running {arrow} {parents} -> {this}"),
        Direction::Down => writeln!(out, "-- Running {arrow} {this} -> {parents}"),
    };
    let folder = sql::comment_text(&m.folder_name);
    let file = match step.direction {
        Direction::Up => "up.sql",
        Direction::Down => "down.sql",
    };
    let (before, after) = plan.revision_session(RevisionTimeouts::of(m));
    for statement in &before {
        let _ = writeln!(out, "{statement};");
    }
    for statement in sql::split(script, backend) {
        let _ = writeln!(out, "-- {folder}/{file}:{}", statement.line);
        write_statement(out, &statement.text, backend);
    }
    for statement in &after {
        let _ = writeln!(out, "{statement};");
    }
    out.push_str(&bookkeeping::record_step_sql(
        m,
        step.direction,
        backend,
        false,
    ));
}

/// One statement and a terminator that its client reads as the end.
fn write_statement(out: &mut String, text: &str, backend: Backend) {
    if backend == Backend::Mysql && text.contains(';') {
        let delimiter = ["$$", "//", ";;"]
            .into_iter()
            .map(str::to_owned)
            .chain((1..).map(|n| format!("$${n}$$")))
            // The client ends the statement at the first occurrence, which
            // must be the one after the text (`...$` + `$$` would not be).
            .find(|d| format!("{text}{d}").find(d.as_str()) == Some(text.len()))
            .unwrap_or_default();
        let _ = writeln!(out, "DELIMITER {delimiter}\n{text}{delimiter}\nDELIMITER ;");
    } else {
        let _ = writeln!(out, "{text};");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn written(text: &str, backend: Backend) -> String {
        let mut out = String::new();
        write_statement(&mut out, text, backend);
        out
    }

    #[test]
    fn no_transactional_ddl_leaves_postgres_statements_unwrapped() {
        let files = (1..=2)
            .map(|i| schema_core::migrations::MigrationFiles {
                folder_name: format!("2024-01-01-00000{i}_t{i}"),
                up_sql: format!("CREATE TABLE t{i} (id INT);\n"),
                down_sql: None,
                metadata_toml: None,
                dir: None,
            })
            .collect();
        let graph = RevisionGraph::from_files(files).unwrap();
        let steps = graph
            .plan_upgrade(&Default::default(), &"head".parse().unwrap())
            .unwrap();
        let count = |ddl, backend| {
            let options = RunOptions {
                transactional_ddl: ddl,
                ..RunOptions::DEFAULT
            };
            offline_script(&graph, &steps, backend, &options, &[])
                .matches("BEGIN;")
                .count()
        };
        assert_eq!(count(None, Backend::Postgres), 1);
        assert_eq!(count(Some(false), Backend::Postgres), 0);
        // MySQL/MariaDB: a transaction per revision either way.
        assert_eq!(count(None, Backend::Mysql), 2);
        assert_eq!(count(Some(false), Backend::Mysql), 2);
    }

    #[test]
    fn mysql_statements_holding_a_semicolon_get_a_delimiter_block() {
        assert_eq!(written("SELECT 1", Backend::Mysql), "SELECT 1;\n");
        assert_eq!(
            written("CREATE TRIGGER t BEGIN SET @a = 1; END", Backend::Mysql),
            "DELIMITER $$\nCREATE TRIGGER t BEGIN SET @a = 1; END$$\nDELIMITER ;\n"
        );
        // A delimiter the text holds, or would form with its last
        // character, is not one.
        assert_eq!(
            written("BEGIN SET @a = '$$'; END", Backend::Mysql),
            "DELIMITER //\nBEGIN SET @a = '$$'; END//\nDELIMITER ;\n"
        );
        assert_eq!(
            written("BEGIN SET @a = '//;;'; SET @b = 1; END t$", Backend::Mysql),
            "DELIMITER $$1$$\nBEGIN SET @a = '//;;'; SET @b = 1; END t$$$1$$\nDELIMITER ;\n"
        );
        assert_eq!(
            written("CREATE TRIGGER t BEGIN SELECT 1; END", Backend::Sqlite),
            "CREATE TRIGGER t BEGIN SELECT 1; END;\n"
        );
    }

    /// What the writer makes of a file, split again, is the file's
    /// statements: the script and the runner agree on where each ends.
    #[test]
    fn written_statements_split_back_to_themselves() {
        let files: [(&str, &[Backend]); 6] = [
            (
                "comment on column t.c is 'Point in time'\n-- update table ... ;;\n",
                &Backend::ALL,
            ),
            (
                "/* a; */ CREATE TABLE t (x INT) -- b;\r\n;\r\nINSERT INTO t VALUES (1) /* c; */",
                &Backend::ALL,
            ),
            (
                "CREATE TRIGGER tr AFTER INSERT ON t BEGIN UPDATE t SET x = CASE WHEN 1 THEN 2 END; END;\nSELECT 1",
                &[Backend::Sqlite, Backend::Mysql],
            ),
            (
                "DELIMITER $$\nCREATE PROCEDURE p() BEGIN SELECT '$$;'; -- x\nEND$$\nDELIMITER ;\nSELECT 1",
                &[Backend::Mysql],
            ),
            (
                "CREATE FUNCTION f() RETURNS int AS $b$ BEGIN RETURN 1; END; $b$ LANGUAGE plpgsql\n-- end;",
                &[Backend::Postgres],
            ),
            (
                "CREATE RULE r AS ON INSERT TO t DO ALSO (SELECT 1; SELECT 2);\nSELECT E'\\';'",
                &[Backend::Postgres],
            ),
        ];
        for (file, backends) in files {
            for &backend in backends {
                let statements = sql::split(file, backend);
                let mut script = String::new();
                for statement in &statements {
                    write_statement(&mut script, &statement.text, backend);
                }
                let again: Vec<_> = sql::split(&script, backend)
                    .into_iter()
                    .map(|s| s.text)
                    .collect();
                let texts: Vec<_> = statements.into_iter().map(|s| s.text).collect();
                assert_eq!(again, texts, "{backend}:\n{script}");
            }
        }
    }
}
