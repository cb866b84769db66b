//! Splitting a migration's SQL into statements, the way `psql`, `sqlite3`
//! and `mariadb` split a script before sending it.
//!
//! The runner sends statements one at a time, as those clients do, so that
//! a failure names the statement (and its line) that failed. The splitter
//! only has to find statement ends: it knows quotes, comments, PostgreSQL's
//! dollar quoting and `E''` strings, MySQL's backslash escapes and `#`
//! comments, and compound bodies (`BEGIN ... END`) of triggers, functions
//! and procedures.

use crate::url::Backend;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement, without the terminating `;` and surrounding space.
    pub text: &'a str,
    /// 1-based line of the script where it starts.
    pub line: usize,
}

/// Split `sql` into statements; comment-only and empty pieces are dropped.
///
/// ```
/// use schema_core::{sql::split, url::Backend};
/// let parts = split("CREATE TABLE t (s TEXT DEFAULT ';');\n-- note;\nINSERT INTO t VALUES ('a;b');", Backend::Sqlite);
/// assert_eq!(parts.len(), 2);
/// assert_eq!(parts[1].line, 3);
/// ```
pub fn split(sql: &str, backend: Backend) -> Vec<Statement<'_>> {
    let bytes = sql.as_bytes();
    let mut out = Vec::new();
    let mut start = 0;
    let mut i = 0;
    let mut depth = 0usize; // open BEGIN/CASE blocks in a compound statement
    let mut compound: Option<bool> = None; // decided at the statement's first words
    while i < bytes.len() {
        let c = bytes[i];
        match c {
            b'\'' | b'"' | b'`' => {
                let backslash = backend == Backend::Mysql && c != b'`'
                    || (backend == Backend::Postgres && c == b'\'' && is_e_string(bytes, i));
                i = skip_quoted(bytes, i, c, backslash);
            }
            b'-' if bytes.get(i + 1) == Some(&b'-') => i = skip_line(bytes, i),
            b'#' if backend == Backend::Mysql => i = skip_line(bytes, i),
            b'/' if bytes.get(i + 1) == Some(&b'*') => {
                i = skip_block_comment(bytes, i, backend == Backend::Postgres)
            }
            b'$' if backend == Backend::Postgres => i = skip_dollar_quoted(bytes, i),
            b';' if depth == 0 => {
                push(sql, start, i, &mut out);
                i += 1;
                start = i;
                compound = None;
            }
            c if c.is_ascii_alphabetic() && (i == 0 || !is_word_byte(bytes[i - 1])) => {
                let end = word_end(bytes, i);
                let word = &sql[i..end];
                let is_compound = *compound.get_or_insert_with(|| starts_compound(&sql[start..]));
                if is_compound {
                    if word.eq_ignore_ascii_case("BEGIN") || word.eq_ignore_ascii_case("CASE") {
                        depth += 1;
                    } else if word.eq_ignore_ascii_case("END") && !ends_inner_block(sql, end) {
                        depth = depth.saturating_sub(1);
                    }
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    push(sql, start, sql.len(), &mut out);
    out
}

fn push<'a>(sql: &'a str, start: usize, end: usize, out: &mut Vec<Statement<'a>>) {
    let piece = &sql[start..end];
    let body = skip_leading_comments(piece);
    let trimmed = body.trim_end();
    if trimmed.is_empty() {
        return;
    }
    // The line of the statement's first word, not of a comment above it.
    let offset = start + (piece.len() - body.len());
    let line = sql[..offset].matches('\n').count() + 1;
    out.push(Statement {
        text: trimmed,
        line,
    });
}

/// `text` from its first character that is neither space nor comment.
fn skip_leading_comments(text: &str) -> &str {
    let mut rest = text.trim_start();
    loop {
        if let Some(after) = rest.strip_prefix("--").or_else(|| rest.strip_prefix('#')) {
            rest = after.split_once('\n').map_or("", |(_, r)| r).trim_start();
        } else if let Some(after) = rest.strip_prefix("/*") {
            rest = after.split_once("*/").map_or("", |(_, r)| r).trim_start();
        } else {
            return rest;
        }
    }
}

fn is_word_byte(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'_' || b >= 0x80
}

fn word_end(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() && is_word_byte(bytes[i]) {
        i += 1;
    }
    i
}

/// `E'...'` (PostgreSQL escape string): backslashes escape.
fn is_e_string(bytes: &[u8], quote: usize) -> bool {
    quote > 0
        && matches!(bytes[quote - 1], b'E' | b'e')
        && (quote < 2 || !is_word_byte(bytes[quote - 2]))
}

fn skip_quoted(bytes: &[u8], open: usize, quote: u8, backslash: bool) -> usize {
    let mut i = open + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if backslash => i += 2,
            b if b == quote => {
                if bytes.get(i + 1) == Some(&quote) {
                    i += 2;
                } else {
                    return i + 1;
                }
            }
            _ => i += 1,
        }
    }
    bytes.len()
}

fn skip_line(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |p| i + p + 1)
}

fn skip_block_comment(bytes: &[u8], open: usize, nested: bool) -> usize {
    let mut depth = 0usize;
    let mut i = open;
    while i + 1 < bytes.len() {
        if bytes[i] == b'/' && bytes[i + 1] == b'*' && (nested || depth == 0) {
            depth += 1;
            i += 2;
        } else if bytes[i] == b'*' && bytes[i + 1] == b'/' {
            depth -= 1;
            i += 2;
            if depth == 0 {
                return i;
            }
        } else {
            i += 1;
        }
    }
    bytes.len()
}

/// `$tag$ ... $tag$`; a `$` that does not open one (`$1`) is skipped alone.
fn skip_dollar_quoted(bytes: &[u8], open: usize) -> usize {
    if open > 0 && is_word_byte(bytes[open - 1]) {
        return open + 1;
    }
    let mut j = open + 1;
    while j < bytes.len() && (bytes[j].is_ascii_alphanumeric() || bytes[j] == b'_') {
        j += 1;
    }
    let tag_ok =
        bytes.get(j) == Some(&b'$') && !bytes.get(open + 1).is_some_and(u8::is_ascii_digit);
    if !tag_ok {
        return open + 1;
    }
    let tag = &bytes[open..=j];
    let body = j + 1;
    bytes[body..]
        .windows(tag.len())
        .position(|w| w == tag)
        .map_or(bytes.len(), |p| body + p + tag.len())
}

/// Whether a statement is a trigger, function, procedure or event, whose
/// body may hold `;` between `BEGIN` and `END`.
fn starts_compound(statement: &str) -> bool {
    let mut words = statement
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .filter(|w| !w.is_empty())
        .map(str::to_ascii_uppercase);
    if words.next().as_deref() != Some("CREATE") {
        return false;
    }
    words
        .take(6)
        .any(|w| matches!(w.as_str(), "TRIGGER" | "FUNCTION" | "PROCEDURE" | "EVENT"))
}

/// `END IF`, `END LOOP`, `END WHILE`, `END REPEAT` close blocks that were
/// never counted as open.
fn ends_inner_block(sql: &str, after_end: usize) -> bool {
    let next = sql[after_end..].trim_start();
    let word: String = next
        .chars()
        .take_while(|c| c.is_ascii_alphabetic())
        .collect();
    matches!(
        word.to_ascii_uppercase().as_str(),
        "IF" | "LOOP" | "WHILE" | "REPEAT"
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str, backend: Backend) -> Vec<&str> {
        split(sql, backend).into_iter().map(|s| s.text).collect()
    }

    #[test]
    fn quotes_and_comments_hide_semicolons() {
        let sql = "INSERT INTO t VALUES ('a;''b', \"c;\");\n-- x; y\n/* z; */ SELECT 1;";
        assert_eq!(
            texts(sql, Backend::Sqlite),
            ["INSERT INTO t VALUES ('a;''b', \"c;\")", "SELECT 1"]
        );
    }

    #[test]
    fn postgres_dollar_quotes_and_e_strings() {
        let sql = "CREATE FUNCTION f() RETURNS int AS $body$ BEGIN RETURN 1; END; $body$ LANGUAGE plpgsql;\nSELECT E'a\\';b';\nSELECT $1;";
        let parts = texts(sql, Backend::Postgres);
        assert_eq!(parts.len(), 3, "{parts:?}");
        assert!(parts[0].ends_with("LANGUAGE plpgsql"));
        assert_eq!(parts[1], "SELECT E'a\\';b'");
    }

    #[test]
    fn postgres_nested_block_comments() {
        assert_eq!(
            texts("/* a /* b; */ c; */ SELECT 1; SELECT 2", Backend::Postgres).len(),
            2
        );
    }

    #[test]
    fn sqlite_trigger_bodies() {
        let sql = "CREATE TRIGGER t AFTER INSERT ON a BEGIN UPDATE a SET n = CASE WHEN 1 THEN 2 END; DELETE FROM b; END;\nSELECT 1;";
        let parts = texts(sql, Backend::Sqlite);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert!(parts[0].ends_with("DELETE FROM b; END"));
    }

    #[test]
    fn mysql_procedures_backslashes_and_hash_comments() {
        let sql = "CREATE PROCEDURE p() BEGIN IF 1 THEN SELECT 1; END IF; SELECT 2; END;\n# c;\nSELECT 'it\\'s;';";
        let parts = texts(sql, Backend::Mysql);
        assert_eq!(parts.len(), 2, "{parts:?}");
        assert_eq!(parts[1], "SELECT 'it\\'s;'");
    }

    #[test]
    fn lines_are_where_statements_start() {
        let parts = split(
            "\n\nCREATE TABLE a (x int);\n\n  CREATE TABLE b (y int);\n-- trailing comment\n",
            Backend::Postgres,
        );
        assert_eq!(parts.iter().map(|s| s.line).collect::<Vec<_>>(), [3, 5]);
    }

    #[test]
    fn unterminated_quote_keeps_the_rest_as_one_statement() {
        assert_eq!(
            texts("SELECT 'oops; SELECT 2;", Backend::Sqlite),
            ["SELECT 'oops; SELECT 2;"]
        );
    }
}
