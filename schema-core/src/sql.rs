//! Splitting a migration's SQL into statements, the way `psql`, `sqlite3`
//! and `mariadb` split a script before sending it.
//!
//! The runner sends statements one at a time, as those clients do, so that
//! a failure names the statement (and its line) that failed; the offline
//! script (`upgrade --sql`) writes the very same statements, each with a
//! terminator its client reads, so that the client sends the server what
//! `upgrade` sends. The splitter knows quotes, comments, PostgreSQL's
//! dollar quoting, `E''` strings and parentheses, MySQL's backslash
//! escapes, `#` comments, executable `/*! */` comments and `DELIMITER`
//! lines, SQLite's `[identifiers]`, and compound bodies (`BEGIN ... END`)
//! of triggers, functions and procedures.
//!
//! A statement is sent as its backend's client sends it: `mariadb` drops
//! comments and, like `sqlite3`, reads CRLF line ends as LF, so on those
//! backends the statement's text does too (a stored procedure or trigger
//! keeps its body's exact text, so the difference would show). `psql`
//! sends comments and CRs as they are.

use std::borrow::Cow;
use std::ops::Range;

use crate::url::Backend;

/// One statement of a script.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Statement<'a> {
    /// The statement as its client sends it: without the terminator, the
    /// comments and space around it, and (MySQL/MariaDB) the comments in
    /// it; CRLF line ends read as LF on SQLite and MySQL/MariaDB.
    pub text: Cow<'a, str>,
    /// 1-based line of the script where it starts (its first word, not a
    /// comment above it).
    pub line: usize,
}

/// Whether `sql` runs nothing: it is empty, or only comments and
/// terminators (read with every backend's comment syntax, so a MySQL `#`
/// line counts as a comment too).
pub fn runs_nothing(sql: &str) -> bool {
    [Backend::Postgres, Backend::Mysql, Backend::Sqlite]
        .into_iter()
        .any(|b| split(sql, b).is_empty())
}

/// The line by which a down.sql says that its revision is irreversible on
/// purpose, so that reverting it runs no SQL: `-- irreversible`, alone on
/// a line, optionally followed by `:` and the reason.
pub const IRREVERSIBLE_MARKER: &str = "-- irreversible";

/// Whether `down_sql` has the [`IRREVERSIBLE_MARKER`] line.
pub fn marked_irreversible(down_sql: &str) -> bool {
    down_sql.lines().any(|line| {
        let line = line.trim();
        line.get(..IRREVERSIBLE_MARKER.len())
            .is_some_and(|head| head.eq_ignore_ascii_case(IRREVERSIBLE_MARKER))
            && matches!(
                line[IRREVERSIBLE_MARKER.len()..]
                    .trim_start()
                    .chars()
                    .next(),
                None | Some(':')
            )
    })
}

/// Split `sql` into statements; comment-only and empty pieces are dropped.
///
/// ```
/// use schema_core::{sql::split, url::Backend};
/// let parts = split("CREATE TABLE t (s TEXT DEFAULT ';');\n-- note;\nINSERT INTO t VALUES ('a;b') -- no ; here\n", Backend::Sqlite);
/// assert_eq!(parts.len(), 2);
/// assert_eq!(parts[1].line, 3);
/// assert_eq!(parts[1].text, "INSERT INTO t VALUES ('a;b')");
/// ```
pub fn split(sql: &str, backend: Backend) -> Vec<Statement<'_>> {
    let mut splitter = Splitter {
        sql,
        backend,
        out: Vec::new(),
        first: None,
        last: 0,
        comments: Vec::new(),
        depth: 0,
        parens: 0,
        compound: None,
        delimiter: None,
        counted: (0, 1),
    };
    let mut i = 0;
    while i < sql.len() {
        i = splitter.step(i);
    }
    splitter.finish();
    splitter.out
}

/// The state of one pass over a script.
struct Splitter<'a> {
    sql: &'a str,
    backend: Backend,
    out: Vec<Statement<'a>>,
    /// Where the current statement's first token starts, once it has one.
    first: Option<usize>,
    /// Where its last token so far ends.
    last: usize,
    /// Comments after its first token (MySQL/MariaDB drops them).
    comments: Vec<Range<usize>>,
    /// Open `BEGIN`/`CASE` blocks of a compound statement.
    depth: usize,
    /// Open parentheses (PostgreSQL: psql does not end a statement in them).
    parens: usize,
    /// Whether the statement may hold a compound body, decided at its
    /// first word.
    compound: Option<bool>,
    /// The terminator a MySQL `DELIMITER` line set, when not `;`.
    delimiter: Option<&'a str>,
    /// A byte offset and its line, so that lines are counted once.
    counted: (usize, usize),
}

impl<'a> Splitter<'a> {
    /// Consume what starts at `i`; returns where the next thing starts.
    fn step(&mut self, i: usize) -> usize {
        let sql = self.sql;
        let bytes = sql.as_bytes();
        let mysql = self.backend == Backend::Mysql;
        let postgres = self.backend == Backend::Postgres;
        if let Some(delimiter) = self.delimiter {
            // Bytes: `i` may be inside a multi-byte character.
            if bytes[i..].starts_with(delimiter.as_bytes()) {
                self.finish();
                return i + delimiter.len();
            }
        }
        let next = bytes.get(i + 1).copied();
        match bytes[i] {
            quote @ (b'\'' | b'"') => {
                let backslash = mysql || (postgres && quote == b'\'' && is_e_string(bytes, i));
                self.token(i, skip_quoted(bytes, i, quote, backslash))
            }
            b'`' if !postgres => self.token(i, skip_quoted(bytes, i, b'`', false)),
            b'[' if self.backend == Backend::Sqlite => {
                let end = bytes[i..]
                    .iter()
                    .position(|b| *b == b']')
                    .map_or(bytes.len(), |p| i + p + 1);
                self.token(i, end)
            }
            // MySQL wants a space after `--`, except (in its client) at the
            // start of a statement.
            b'-' if next == Some(b'-')
                && (!mysql
                    || self.first.is_none()
                    || bytes.get(i + 2).is_none_or(u8::is_ascii_whitespace)) =>
            {
                self.comment(i, line_end(bytes, i))
            }
            b'#' if mysql => self.comment(i, line_end(bytes, i)),
            // `/*!...*/` and `/*M!...*/` are MySQL code the client sends on.
            b'/' if next == Some(b'*')
                && !(mysql
                    && (sql[i + 2..].starts_with('!') || sql[i + 2..].starts_with("M!"))) =>
            {
                self.comment(i, skip_block_comment(bytes, i, postgres))
            }
            b'$' if postgres => self.token(i, skip_dollar_quoted(bytes, i)),
            b'(' if postgres => {
                self.parens += 1;
                self.token(i, i + 1)
            }
            b')' if postgres => {
                self.parens = self.parens.saturating_sub(1);
                self.token(i, i + 1)
            }
            b';' if self.delimiter.is_none() && self.depth == 0 && self.parens == 0 => {
                self.finish();
                i + 1
            }
            c if c.is_ascii_alphabetic() && (i == 0 || !is_word_byte(bytes[i - 1])) => {
                let end = word_end(bytes, i);
                let word = &sql[i..end];
                if mysql && self.first.is_none() && word.eq_ignore_ascii_case("DELIMITER") {
                    if let Some((delimiter, after)) = delimiter_line(sql, i, end) {
                        self.delimiter = (delimiter != ";").then_some(delimiter);
                        return after;
                    }
                }
                if self.delimiter.is_none() {
                    self.count_block(word, end, self.first.unwrap_or(i));
                }
                self.token(i, end)
            }
            c if c.is_ascii_whitespace() => i + 1,
            _ => self.token(i, i + 1),
        }
    }

    /// A token (word, quoted text, symbol) spans `start..end`.
    fn token(&mut self, start: usize, end: usize) -> usize {
        self.first.get_or_insert(start);
        self.last = end;
        end
    }

    /// A comment spans `start..end`.
    fn comment(&mut self, start: usize, end: usize) -> usize {
        if self.first.is_some() {
            self.comments.push(start..end);
        }
        end
    }

    /// Follow `BEGIN`/`CASE` ... `END` in the body of a trigger, function
    /// or procedure, whose `;` do not end it.
    fn count_block(&mut self, word: &str, end: usize, statement: usize) {
        let sql = self.sql;
        if !*self
            .compound
            .get_or_insert_with(|| starts_compound(&sql[statement..]))
        {
            return;
        }
        if word.eq_ignore_ascii_case("BEGIN") || word.eq_ignore_ascii_case("CASE") {
            self.depth += 1;
        } else if word.eq_ignore_ascii_case("END") && !ends_inner_block(sql, end) {
            self.depth = self.depth.saturating_sub(1);
        }
    }

    /// End the current statement, if it has any token.
    fn finish(&mut self) {
        if let Some(first) = self.first.take() {
            let text = self.text(first, self.last);
            let (from, line) = self.counted;
            let line = line
                + self.sql.as_bytes()[from..first]
                    .iter()
                    .filter(|b| **b == b'\n')
                    .count();
            self.counted = (first, line);
            self.out.push(Statement { text, line });
        }
        self.comments.clear();
        self.depth = 0;
        self.parens = 0;
        self.compound = None;
    }

    /// The statement `first..last` as its client sends it.
    fn text(&self, first: usize, last: usize) -> Cow<'a, str> {
        let sql = self.sql;
        let raw = &sql[first..last];
        let strip = self.backend == Backend::Mysql && self.comments.iter().any(|c| c.start < last);
        let crlf = self.backend != Backend::Postgres && raw.contains("\r\n");
        if !strip && !crlf {
            return Cow::Borrowed(raw);
        }
        let mut text = String::with_capacity(raw.len());
        let mut at = first;
        if strip {
            for comment in self.comments.iter().filter(|c| c.start < last) {
                text.push_str(&sql[at..comment.start]);
                // As the client does: a block comment between two words
                // leaves a space, so they stay two.
                let block = sql[comment.start..].starts_with("/*");
                let before = text.ends_with(|c: char| c.is_ascii_whitespace());
                let after = sql[comment.end..].starts_with(|c: char| c.is_ascii_whitespace());
                if block && !before && !after {
                    text.push(' ');
                }
                at = comment.end;
            }
        }
        text.push_str(&sql[at..last]);
        if crlf {
            text = text.replace("\r\n", "\n");
        }
        Cow::Owned(text)
    }
}

/// A `DELIMITER xx` line of the MySQL client, `word` its first word: the
/// new terminator and where the next line starts.
fn delimiter_line(sql: &str, word: usize, word_end: usize) -> Option<(&str, usize)> {
    let line_start = sql[..word].rfind('\n').map_or(0, |p| p + 1);
    if !sql[line_start..word]
        .bytes()
        .all(|b| b == b' ' || b == b'\t')
    {
        return None;
    }
    let end = line_end(sql.as_bytes(), word);
    let rest = &sql[word_end..end];
    if !rest.starts_with([' ', '\t']) {
        return None;
    }
    let arg = rest.split_whitespace().next()?;
    // The client takes a quoted argument without its quotes.
    let arg = match arg.as_bytes() {
        [q @ (b'\'' | b'"' | b'`'), .., last] if last == q && arg.len() > 1 => {
            &arg[1..arg.len() - 1]
        }
        _ => arg,
    };
    (!arg.is_empty() && !arg.contains('\\')).then_some((arg, end))
}

/// Where the line holding `i` ends (its `\n`, or the end of the script).
fn line_end(bytes: &[u8], i: usize) -> usize {
    bytes[i..]
        .iter()
        .position(|b| *b == b'\n')
        .map_or(bytes.len(), |p| i + p)
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

/// `text` as a string literal of `backend`'s SQL that reads the same
/// whatever the session's settings say: quotes doubled; on PostgreSQL an
/// `E''` literal when it holds a backslash (the same under either
/// `standard_conforming_strings`); on MySQL/MariaDB a hex literal with a
/// `utf8mb4` introducer when it holds a backslash or a control character,
/// since `'a\\b'` reads as one backslash by default but as two under
/// `NO_BACKSLASH_ESCAPES`, and `\'` would end the string in one mode only.
///
/// ```
/// use schema_core::{sql::string_literal, url::Backend};
/// assert_eq!(string_literal("it's", Backend::Sqlite), "'it''s'");
/// assert_eq!(string_literal(r"a\b", Backend::Postgres), r"E'a\\b'");
/// assert_eq!(string_literal(r"a\'", Backend::Mysql), "_utf8mb4 X'615C27'");
/// ```
pub fn string_literal(text: &str, backend: Backend) -> String {
    if backend == Backend::Mysql && text.chars().any(|c| c == '\\' || c.is_control()) {
        let mut out = String::with_capacity(text.len() * 2 + 12);
        out.push_str("_utf8mb4 X'");
        for b in text.bytes() {
            let _ = std::fmt::Write::write_fmt(&mut out, format_args!("{b:02X}"));
        }
        out.push('\'');
        return out;
    }
    let escape = backend == Backend::Postgres && text.contains('\\');
    let mut out = String::with_capacity(text.len() + 3);
    if escape {
        out.push('E');
    }
    out.push('\'');
    for c in text.chars() {
        match c {
            '\'' => out.push_str("''"),
            '\\' if escape => out.push_str("\\\\"),
            c => out.push(c),
        }
    }
    out.push('\'');
    out
}

/// `text` made safe to write after `-- ` in any client's script: one line
/// whatever it holds. Every client ends a `--` comment at a line feed, and
/// `psql` and the servers' lexers also at a carriage return (which
/// cargo-schema's own splitter, like `sqlite3`, does not), so CR, LF and
/// every other control or line-separating character is written escaped
/// (`\r`, `\n`, `\u{2028}`), never raw.
///
/// ```
/// use schema_core::sql::comment_text;
/// assert_eq!(comment_text("fix login\rDROP TABLE t;"), r"fix login\rDROP TABLE t;");
/// assert_eq!(comment_text("plain"), "plain");
/// ```
pub fn comment_text(text: &str) -> Cow<'_, str> {
    crate::text::escape_controls(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(sql: &str, backend: Backend) -> Vec<String> {
        split(sql, backend)
            .into_iter()
            .map(|s| s.text.into_owned())
            .collect()
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

    #[test]
    fn a_comment_after_the_last_statement_is_not_part_of_it() {
        // crates.io's 2025-02-11-122509_add-expires-at-column/up.sql ends so.
        let sql = "comment on column t.c is 'Point in time'\n-- update table ... ;;\n";
        for backend in Backend::ALL {
            assert_eq!(
                texts(sql, backend),
                ["comment on column t.c is 'Point in time'"]
            );
        }
        assert_eq!(
            texts("SELECT 1 /* a; */ -- b;\n", Backend::Postgres),
            ["SELECT 1"]
        );
    }

    #[test]
    fn postgres_parentheses_hold_semicolons_as_in_psql() {
        let sql = "CREATE RULE r AS ON INSERT TO t DO ALSO (INSERT INTO a VALUES (1); INSERT INTO b VALUES (2));\nSELECT 1";
        assert_eq!(texts(sql, Backend::Postgres).len(), 2);
        assert_eq!(texts("SELECT (1; SELECT 2)", Backend::Sqlite).len(), 2);
    }

    #[test]
    fn postgres_keeps_comments_and_carriage_returns() {
        let sql = "SELECT 1, -- one\r\n  2\r\n;";
        assert_eq!(texts(sql, Backend::Postgres), ["SELECT 1, -- one\r\n  2"]);
    }

    #[test]
    fn sqlite_and_mysql_read_crlf_as_lf() {
        let sql = "CREATE TABLE t (\r\n  s TEXT DEFAULT 'a\r\nb'\r\n);\r\n";
        for backend in [Backend::Sqlite, Backend::Mysql] {
            assert_eq!(
                texts(sql, backend),
                ["CREATE TABLE t (\n  s TEXT DEFAULT 'a\nb'\n)"]
            );
        }
    }

    #[test]
    fn mysql_drops_comments_as_its_client_does() {
        let sql = "CREATE PROCEDURE p()\nBEGIN -- the body; here\n  SELECT 1;/* x; */SELECT 2; # two\nEND;";
        assert_eq!(
            texts(sql, Backend::Mysql),
            ["CREATE PROCEDURE p()\nBEGIN \n  SELECT 1; SELECT 2; \nEND"]
        );
        // Executable comments are code; `--` needs a space after it.
        assert_eq!(
            texts("SELECT 1 /*!100000 + 1 */, 5--3;", Backend::Mysql),
            ["SELECT 1 /*!100000 + 1 */, 5--3"]
        );
        assert_eq!(
            texts("/*!40101 SET NAMES utf8 */;", Backend::Mysql),
            ["/*!40101 SET NAMES utf8 */"]
        );
        assert!(texts("/* only; a comment */;", Backend::Mysql).is_empty());
    }

    #[test]
    fn mysql_delimiter_lines() {
        let sql = "CREATE TABLE t (x INT);\nDELIMITER $$\nCREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  SET NEW.x = 1;\nEND$$\n\ndelimiter ;\nSELECT '$$';\n";
        let parts = split(sql, Backend::Mysql);
        let found: Vec<_> = parts.iter().map(|s| s.text.as_ref()).collect();
        assert_eq!(
            found,
            [
                "CREATE TABLE t (x INT)",
                "CREATE TRIGGER tr BEFORE INSERT ON t FOR EACH ROW\nBEGIN\n  SET NEW.x = 1;\nEND",
                "SELECT '$$'",
            ]
        );
        assert_eq!(parts.iter().map(|s| s.line).collect::<Vec<_>>(), [1, 3, 9]);
        // Only MySQL's client knows the command.
        assert_eq!(
            texts("DELIMITER $$\nSELECT 1$$", Backend::Postgres),
            ["DELIMITER $$\nSELECT 1$$"]
        );
    }

    #[test]
    fn multibyte_text_anywhere() {
        let sql = "DELIMITER ;;\nINSERT INTO t VALUES ('é;') -- ü\n;;\nSELECT ñ /* ö */ , 'ß';;\nDELIMITER ;\nSELECT 'ø' é";
        assert_eq!(
            texts(sql, Backend::Mysql),
            [
                "INSERT INTO t VALUES ('é;')",
                "SELECT ñ  , 'ß'",
                "SELECT 'ø' é"
            ]
        );
        for backend in Backend::ALL {
            for cut in 0..sql.len() {
                if sql.is_char_boundary(cut) {
                    split(&sql[..cut], backend);
                    split(&sql[cut..], backend);
                }
            }
        }
    }

    /// Scripts made of the pieces the splitter cares about, in random
    /// order: it never panics, and every statement is non-empty, starts
    /// with a token, on a line of the script, in order.
    #[test]
    fn random_scripts_split_into_sane_statements() {
        const PIECES: [&str; 24] = [
            ";",
            "'",
            "\"",
            "`",
            "--",
            "#",
            "/*",
            "*/",
            "/*!",
            "$$",
            "$a$",
            "E'",
            "\\",
            "(",
            ")",
            "[",
            "]",
            "\n",
            "\r\n",
            " BEGIN ",
            " END ",
            "CREATE TRIGGER t ",
            "\nDELIMITER // \n",
            "é",
        ];
        let mut state = 15u64;
        for _ in 0..3000 {
            let mut script = String::new();
            for _ in 0..24 {
                state = state
                    .wrapping_mul(6364136223846793005)
                    .wrapping_add(1442695040888963407);
                script.push_str(PIECES[(state >> 33) as usize % PIECES.len()]);
                script.push_str(["x", " ", ""][(state >> 20) as usize % 3]);
            }
            let lines = script.matches('\n').count() + 1;
            for backend in Backend::ALL {
                let mut previous = 1;
                for statement in split(&script, backend) {
                    let text = &statement.text;
                    // (An unterminated quote runs to the end, space and all.)
                    assert!(!text.is_empty() && text.trim_start() == text, "{script:?}");
                    assert!(
                        statement.line >= previous && statement.line <= lines,
                        "{script:?}"
                    );
                    previous = statement.line;
                }
            }
        }
    }

    #[test]
    fn sqlite_brackets_quote() {
        assert_eq!(
            texts("CREATE TABLE [a;b] (x);SELECT 1", Backend::Sqlite),
            ["CREATE TABLE [a;b] (x)", "SELECT 1"]
        );
    }

    #[test]
    fn lines_count_across_many_statements() {
        let sql = "SELECT 1;\n\nSELECT 2; SELECT 3;\n/* a\nb */ SELECT 4;";
        let lines: Vec<_> = split(sql, Backend::Postgres)
            .iter()
            .map(|s| s.line)
            .collect();
        assert_eq!(lines, [1, 3, 3, 5]);
    }
}
