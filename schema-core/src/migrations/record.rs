//! The record format of embedded migrations: what `embed!()` writes into
//! the user's binary and what the runtime reads back, side by side so the
//! two cannot drift apart.
//!
//! A migration is [`RECORD_LEN`] strings: the header
//! `FOLDER/CHECKSUM/OPTIONAL`, where `OPTIONAL` names the optional files the
//! folder has (`d` for `down.sql`, `m` for `metadata.toml`, in that order;
//! neither a folder name nor a checksum can contain a `/`), then the texts
//! of `up.sql`, `down.sql` and `metadata.toml`, `""` for a file the folder
//! does not have. Plain string literals rather than struct literals because
//! the user's crate type-checks them on every build.
//!
//! ```
//! use schema_core::migrations::record::{decode, header};
//! let head = header("2024-01-01-000000_a", "sha256:aa", true, false);
//! let records = [head.as_str(), "CREATE TABLE a (id INT);", "DROP TABLE a;", ""];
//! let decoded = decode(&records).unwrap();
//! assert_eq!(decoded[0].down_sql, Some("DROP TABLE a;"));
//! assert_eq!(decoded[0].metadata_toml, None);
//! ```

use std::fmt;

/// Strings per migration.
pub const RECORD_LEN: usize = 4;

/// One migration's files, borrowed from its record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Record<'a> {
    /// The folder's name.
    pub folder_name: &'a str,
    /// `up.sql`.
    pub up_sql: &'a str,
    /// `down.sql`, when the folder has one.
    pub down_sql: Option<&'a str>,
    /// `metadata.toml`, when the folder has one.
    pub metadata_toml: Option<&'a str>,
    /// The checksum of `up.sql` computed at build time.
    pub checksum: &'a str,
}

/// A record that `embed!()` cannot have written: the binary was built by
/// another version of the macro, or altered.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordError {
    /// The migration's position (0-based).
    pub index: usize,
    /// What is wrong.
    pub reason: String,
}

impl fmt::Display for RecordError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "embedded migration record {} is malformed ({}); rebuild the application with this version of schema-runtime",
            self.index + 1,
            self.reason
        )
    }
}

impl std::error::Error for RecordError {}

/// The header of a migration's record (the encoder's half; the texts
/// follow it as the build includes them).
pub fn header(folder_name: &str, checksum: &str, has_down: bool, has_metadata: bool) -> String {
    format!(
        "{folder_name}/{checksum}/{}{}",
        if has_down { "d" } else { "" },
        if has_metadata { "m" } else { "" },
    )
}

/// The strings of one migration, as `embed!()` writes them (for tests and
/// tools; the macro writes `include_str!`s in place of the texts).
pub fn encode(record: &Record<'_>) -> [String; RECORD_LEN] {
    [
        header(
            record.folder_name,
            record.checksum,
            record.down_sql.is_some(),
            record.metadata_toml.is_some(),
        ),
        record.up_sql.to_owned(),
        record.down_sql.unwrap_or_default().to_owned(),
        record.metadata_toml.unwrap_or_default().to_owned(),
    ]
}

/// Read every record back; the first malformed one is an error.
pub fn decode<'a>(records: &[&'a str]) -> Result<Vec<Record<'a>>, RecordError> {
    if !records.len().is_multiple_of(RECORD_LEN) {
        return Err(RecordError {
            index: records.len() / RECORD_LEN,
            reason: format!("{} strings, not a multiple of {RECORD_LEN}", records.len()),
        });
    }
    records
        .chunks_exact(RECORD_LEN)
        .enumerate()
        .map(|(index, chunk)| decode_one(chunk).map_err(|reason| RecordError { index, reason }))
        .collect()
}

fn decode_one<'a>(chunk: &[&'a str]) -> Result<Record<'a>, String> {
    let &[head, up_sql, down_sql, metadata_toml] = chunk else {
        return Err(format!("{} strings where {RECORD_LEN} belong", chunk.len()));
    };
    let mut parts = head.split('/');
    let (Some(folder_name), Some(checksum), Some(optional), None) =
        (parts.next(), parts.next(), parts.next(), parts.next())
    else {
        return Err(format!("header `{head}` is not FOLDER/CHECKSUM/OPTIONAL"));
    };
    if folder_name.is_empty() || checksum.is_empty() {
        return Err(format!("header `{head}` lacks a folder name or a checksum"));
    }
    let (has_down, has_metadata) = match optional {
        "" => (false, false),
        "d" => (true, false),
        "m" => (false, true),
        "dm" => (true, true),
        other => return Err(format!("unknown optional-file flags `{other}`")),
    };
    if (!has_down && !down_sql.is_empty()) || (!has_metadata && !metadata_toml.is_empty()) {
        return Err(format!(
            "{folder_name}: text for a file the header says is absent"
        ));
    }
    Ok(Record {
        folder_name,
        up_sql,
        down_sql: has_down.then_some(down_sql),
        metadata_toml: has_metadata.then_some(metadata_toml),
        checksum,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_shape_round_trips() {
        let records = [
            Record {
                folder_name: "2024-01-01-000000_a",
                up_sql: "CREATE TABLE a (id INT);",
                down_sql: Some("DROP TABLE a;"),
                metadata_toml: Some("message = \"a\""),
                checksum: "sha256:aa",
            },
            Record {
                folder_name: "2024-01-02-000000_b",
                up_sql: "CREATE TABLE b (id INT);",
                down_sql: None,
                metadata_toml: None,
                checksum: "sha256:bb",
            },
            // An empty file is there, unlike a missing one.
            Record {
                folder_name: "2024-01-03-000000_c",
                up_sql: "",
                down_sql: Some(""),
                metadata_toml: Some(""),
                checksum: "sha256:cc",
            },
            Record {
                folder_name: "20240104_d",
                up_sql: "SELECT '/';",
                down_sql: None,
                metadata_toml: Some("revision = \"d\""),
                checksum: "sha256:dd",
            },
        ];
        let encoded: Vec<String> = records.iter().flat_map(encode).collect();
        let strings: Vec<&str> = encoded.iter().map(String::as_str).collect();
        assert_eq!(decode(&strings).unwrap(), records);
    }

    #[test]
    fn a_malformed_record_is_an_error_naming_it() {
        let good = ["a/sha256:aa/", "SELECT 1;", "", ""];
        let cases: &[(&[&str], &str)] = &[
            (
                &["a/sha256:aa", "", "", ""],
                "is not FOLDER/CHECKSUM/OPTIONAL",
            ),
            (
                &["a/sha256:aa/x", "", "", ""],
                "unknown optional-file flags `x`",
            ),
            (
                &["a/sha256:aa/md", "", "", ""],
                "unknown optional-file flags `md`",
            ),
            (&["a//d", "", "", ""], "lacks a folder name or a checksum"),
            (
                &["a/sha256:aa/", "", "DROP TABLE a;", ""],
                "the header says is absent",
            ),
            (&["a/sha256:aa/"], "not a multiple of 4"),
        ];
        for (bad, expected) in cases {
            let strings: Vec<&str> = good.iter().chain(bad.iter()).copied().collect();
            let error = decode(&strings).unwrap_err();
            assert_eq!(error.index, 1, "{bad:?}");
            let message = error.to_string();
            assert!(message.contains(expected), "{bad:?}: {message}");
            assert!(
                message.starts_with("embedded migration record 2 is malformed"),
                "{message}"
            );
        }
    }
}
