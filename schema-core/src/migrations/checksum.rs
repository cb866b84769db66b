//! The checksum recorded for each applied migration, so that editing an
//! applied `up.sql` is detected.

use sha2::{Digest, Sha256};
use std::fmt;

/// The checksum of a migration's `up.sql`.
///
/// Format: `sha256:` followed by the 64 lowercase hex digits of the SHA-256
/// of the file's UTF-8 bytes after line endings are normalised: every CRLF
/// and every lone CR becomes LF. Nothing else is changed (no trimming, a
/// byte-order mark counts), so the value is the same on every platform and
/// for a checkout with `core.autocrlf`, and any other edit changes it.
///
/// ```
/// use schema_core::migrations::Checksum;
/// let unix = Checksum::of_sql("CREATE TABLE t (id INT);\n");
/// let windows = Checksum::of_sql("CREATE TABLE t (id INT);\r\n");
/// assert_eq!(unix, windows);
/// assert!(unix.as_str().starts_with("sha256:"));
/// ```
#[derive(
    Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize,
)]
pub struct Checksum(String);

/// The prefix naming the algorithm, so another one can be introduced later
/// without misreading stored values.
const PREFIX: &str = "sha256:";

impl Checksum {
    /// Computes the checksum of SQL text.
    pub fn of_sql(sql: &str) -> Self {
        let mut hasher = Sha256::new();
        // Feed normalised chunks instead of building a second copy of the file.
        let mut rest = sql.as_bytes();
        while let Some(pos) = rest.iter().position(|&b| b == b'\r') {
            hasher.update(&rest[..pos]);
            hasher.update(b"\n");
            let skip = if rest.get(pos + 1) == Some(&b'\n') {
                2
            } else {
                1
            };
            rest = &rest[pos + skip..];
        }
        hasher.update(rest);
        let digest = hasher.finalize();
        let mut out = String::with_capacity(PREFIX.len() + 64);
        out.push_str(PREFIX);
        for byte in digest {
            out.push(char::from(HEX[usize::from(byte >> 4)]));
            out.push(char::from(HEX[usize::from(byte & 0x0f)]));
        }
        Self(out)
    }

    /// Wraps a stored value (e.g. read back from the database) for comparison.
    pub fn from_stored(value: impl Into<String>) -> Self {
        Self(value.into())
    }

    /// The `sha256:<hex>` text.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

const HEX: &[u8; 16] = b"0123456789abcdef";

impl fmt::Display for Checksum {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn known_vector_and_format() {
        // sha256("abc\n") computed independently (printf 'abc\n' | sha256sum).
        assert_eq!(
            Checksum::of_sql("abc\n").as_str(),
            "sha256:edeaaff3f1774ad2888673770c6d64097e391bc362d7d6fb34982ddf0efd18cb"
        );
        assert_eq!(Checksum::of_sql("").as_str().len(), 7 + 64);
    }

    #[test]
    fn crlf_and_lone_cr_normalised() {
        let lf = Checksum::of_sql("a;\nb;\n\nc;");
        assert_eq!(Checksum::of_sql("a;\r\nb;\r\n\r\nc;"), lf);
        assert_eq!(Checksum::of_sql("a;\rb;\r\rc;"), lf);
        assert_eq!(Checksum::of_sql("a;\r\nb;\r\r\nc;"), lf);
        assert_eq!(
            Checksum::of_sql("a;\r\nb;\r\n\r\nc;\r"),
            Checksum::of_sql("a;\nb;\n\nc;\n")
        );
    }

    #[test]
    fn other_edits_change_it() {
        let base = Checksum::of_sql("CREATE TABLE t (id INT);\n");
        assert_ne!(Checksum::of_sql("CREATE TABLE t (id INT); \n"), base);
        assert_ne!(Checksum::of_sql("CREATE TABLE t (id INT);"), base);
        assert_ne!(Checksum::of_sql("\u{feff}CREATE TABLE t (id INT);\n"), base);
    }
}
