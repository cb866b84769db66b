//! Keeping passwords out of everything the tool prints.
//!
//! Two layers: [`mask_urls`] rewrites any `scheme://user:password@host` in a
//! string so the password reads `***`, and [`Redactor`] replaces secrets it
//! has been told about (passwords parsed out of URLs, values of keys named
//! like `password`) wherever they appear, for text that is not URL-shaped,
//! such as a database's own error message quoting a connection string.

use std::borrow::Cow;

/// What a masked password reads as.
pub const MASK: &str = "***";

/// Mask the password of every URL in `text`.
///
/// The userinfo of a URL ends at its last `@`, so a password holding a raw
/// `@` or `/` is still masked whole (a path holding `@` masks too much, which
/// is the safe side).
///
/// ```
/// use schema_core::secret::mask_urls;
/// assert_eq!(mask_urls("postgres://app:s3cr%t@db/prod"), "postgres://app:***@db/prod");
/// assert_eq!(mask_urls("sqlite:///tmp/app.db"), "sqlite:///tmp/app.db");
/// ```
pub fn mask_urls(text: &str) -> Cow<'_, str> {
    if !text.contains("://") {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(pos) = rest.find("://") {
        let (head, tail) = rest.split_at(pos + 3);
        out.push_str(head);
        let token_len = tail
            .find(|c: char| c.is_whitespace() || matches!(c, '"' | '\'' | '`' | '<' | '>'))
            .unwrap_or(tail.len());
        let token = &tail[..token_len];
        match token.rfind('@') {
            Some(at) if token[..at].contains(':') => {
                let colon = token[..at].find(':').unwrap_or(at);
                out.push_str(&token[..=colon]);
                out.push_str(MASK);
                out.push_str(&token[at..]);
            }
            _ => out.push_str(token),
        }
        rest = &tail[token_len..];
    }
    out.push_str(rest);
    Cow::Owned(out)
}

/// Whether a key's value is a secret by its name alone (`password`,
/// `connect_args.sslpassword`, `api_token`, ...).
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    ["password", "passwd", "secret", "token", "pwd"]
        .iter()
        .any(|word| key.contains(word))
}

/// Replaces known secret strings in text that is about to be printed.
///
/// ```
/// use schema_core::secret::Redactor;
/// let mut r = Redactor::default();
/// r.add("hunter22");
/// assert_eq!(r.redact("login failed for password hunter22"), "login failed for password ***");
/// ```
#[derive(Debug, Clone, Default)]
pub struct Redactor {
    secrets: Vec<String>,
}

impl Redactor {
    /// Shortest secret replaced wherever it appears; shorter ones would
    /// mangle ordinary words, and are still masked inside URLs.
    const MIN_LEN: usize = 3;

    /// Remember a secret (and its percent-encoded form, which is how it
    /// appears inside a URL).
    pub fn add(&mut self, secret: &str) {
        if secret.chars().count() < Self::MIN_LEN {
            return;
        }
        let encoded =
            percent_encoding::utf8_percent_encode(secret, percent_encoding::NON_ALPHANUMERIC)
                .to_string();
        for s in [secret.to_owned(), encoded] {
            if !self.secrets.contains(&s) {
                self.secrets.push(s);
            }
        }
        // Longest first, so a secret that contains another is replaced whole.
        self.secrets.sort_by_key(|s| std::cmp::Reverse(s.len()));
    }

    /// Remember the password of a URL, if it has one.
    pub fn add_url(&mut self, url: &str) {
        if let Some(password) = url_password(url) {
            self.add(&password);
        }
    }

    /// `text` with URL passwords and every known secret masked.
    pub fn redact(&self, text: &str) -> String {
        let mut out = mask_urls(text).into_owned();
        for secret in &self.secrets {
            if out.contains(secret.as_str()) {
                out = out.replace(secret.as_str(), MASK);
            }
        }
        out
    }
}

/// The decoded password of a `scheme://user:password@host` URL.
fn url_password(url: &str) -> Option<String> {
    let (_, tail) = url.split_once("://")?;
    let at = tail.rfind('@')?;
    let (_, password) = tail[..at].split_once(':')?;
    Some(
        percent_encoding::percent_decode_str(password)
            .decode_utf8_lossy()
            .into_owned(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks_every_url_in_a_sentence() {
        let text = "could not connect to postgres://a:b1@h/db or 'mysql://root:x%40y@m:3306/t'";
        assert_eq!(
            mask_urls(text),
            "could not connect to postgres://a:***@h/db or 'mysql://root:***@m:3306/t'"
        );
    }

    #[test]
    fn password_with_raw_at_and_slash_is_masked_whole() {
        assert_eq!(
            mask_urls("postgres://u:p@s/s@host/db"),
            "postgres://u:***@host/db"
        );
    }

    #[test]
    fn url_without_password_is_unchanged() {
        for url in ["postgres://user@host/db", "postgres://host/db", "sqlite://"] {
            assert_eq!(mask_urls(url), url);
        }
    }

    #[test]
    fn redactor_masks_encoded_and_decoded_forms() {
        let mut r = Redactor::default();
        r.add_url("postgres://app:p%25ss@db/x");
        assert_eq!(r.redact("password p%ss rejected"), "password *** rejected");
        assert_eq!(
            r.redact("dsn user=app password=p%25ss"),
            "dsn user=app password=***"
        );
    }

    #[test]
    fn secret_key_names() {
        assert!(is_secret_key("connect_args.password"));
        assert!(is_secret_key("API_TOKEN"));
        assert!(!is_secret_key("pool_size"));
    }
}
