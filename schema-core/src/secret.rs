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
/// A URL is `scheme:` then optional slashes then `user:password@...`; the
/// userinfo ends at the token's last `@`, so a password holding a raw `@`
/// or `/` is still masked whole (a path holding `@` masks too much, which is
/// the safe side), and a malformed `postgres:/u:p@h` is masked too.
///
/// ```
/// use schema_core::secret::mask_urls;
/// assert_eq!(mask_urls("postgres://app:s3cr%t@db/prod"), "postgres://app:***@db/prod");
/// assert_eq!(mask_urls("dsn=mysql://root:pw@h/db"), "dsn=mysql://root:***@h/db");
/// assert_eq!(mask_urls("sqlite:///tmp/app.db"), "sqlite:///tmp/app.db");
/// ```
pub fn mask_urls(text: &str) -> Cow<'_, str> {
    let ranges = password_ranges(text);
    if ranges.is_empty() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for range in ranges {
        out.push_str(&text[last..range.start]);
        out.push_str(MASK);
        last = range.end;
    }
    out.push_str(&text[last..]);
    Cow::Owned(out)
}

/// Byte ranges of the passwords of the URLs in `text`, in order: the
/// userinfo passwords, and the values of credential parameters of the
/// query string (`?password=`, `&sslpassword=`, see [`is_secret_key`]).
///
/// A URL runs from its scheme to the end of the line or to the next URL:
/// its password may hold quotes, `<`, `>`, a backtick or a space (all
/// valid there), so the userinfo ends at the region's last `@`, which
/// masks too much rather than too little when a later `@` follows.
pub fn password_ranges(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut ranges = Vec::new();
    let starts = url_starts(text);
    for (n, &start) in starts.iter().enumerate() {
        let line_end = text[start..].find('\n').map_or(text.len(), |i| start + i);
        let end = starts
            .get(n + 1)
            .map_or(line_end, |&next| next.min(line_end));
        let region = &text[start..end];
        let mut query_from = 0;
        if let Some(r) = userinfo_password(region) {
            query_from = r.end;
            ranges.push(start + r.start..start + r.end);
        }
        for r in query_secrets(&region[query_from..]) {
            ranges.push(start + query_from + r.start..start + query_from + r.end);
        }
    }
    ranges.sort_by_key(|r| r.start);
    // Overlapping ranges would make `mask_urls` slice backwards; merge any.
    let mut merged: Vec<std::ops::Range<usize>> = Vec::with_capacity(ranges.len());
    for r in ranges {
        match merged.last_mut() {
            Some(last) if r.start <= last.end => last.end = last.end.max(r.end),
            _ => merged.push(r),
        }
    }
    merged
}

/// The byte index just past the last character of `text` matching
/// `stop` (0 when none does), on a character boundary whatever its width.
fn after_last(text: &str, stop: impl Fn(char) -> bool) -> usize {
    text.char_indices()
        .rev()
        .find(|&(_, c)| stop(c))
        .map_or(0, |(i, c)| i + c.len_utf8())
}

/// Where each `scheme:/...` or `scheme://...` of `text` starts.
fn url_starts(text: &str) -> Vec<usize> {
    let bytes = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(colon) = text[i..].find(":/").map(|c| i + c) {
        let begin = after_last(&text[..colon], |c| {
            !(c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
        });
        // A scheme, or anything at all before `://` (a URL whose scheme
        // was cut off or mangled still carries its password).
        if (colon > begin && bytes[begin].is_ascii_alphabetic()) || text[colon..].starts_with("://")
        {
            out.push(begin);
        }
        i = colon + 2;
    }
    out
}

/// The password range in one URL's region: after `scheme:` and its
/// slashes, a user without `:@/` or space, a `:`, then up to the last `@`.
fn userinfo_password(region: &str) -> Option<std::ops::Range<usize>> {
    // The region starts at its scheme (maybe empty): its first `:` ends it.
    let after = region.find(':')? + 1;
    let after = after + region[after..].len() - region[after..].trim_start_matches('/').len();
    let at = region.rfind('@')?;
    if at <= after {
        return None;
    }
    let user_end = region[after..at]
        .find(|c: char| matches!(c, ':' | '@' | '/') || c.is_whitespace())?
        + after;
    (region.as_bytes()[user_end] == b':').then(|| user_end + 1..at)
}

/// Ranges of the values of credential parameters (`password=`,
/// `sslpassword=`, ...) in a URL's query string or a `key=value` list.
fn query_secrets(text: &str) -> Vec<std::ops::Range<usize>> {
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(eq) = text[i..].find('=').map(|e| i + e) {
        let key_start = after_last(&text[..eq], |c| {
            !(c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '%' | '.'))
        });
        let key = percent_encoding::percent_decode_str(&text[key_start..eq]).decode_utf8_lossy();
        let sep = key_start.checked_sub(1).map(|k| text.as_bytes()[k]);
        let value_end = text[eq + 1..]
            .find(|c: char| {
                matches!(c, '&' | '#' | '\'' | '"' | '`' | '<' | '>') || c.is_whitespace()
            })
            .map_or(text.len(), |v| eq + 1 + v);
        if matches!(sep, Some(b'?' | b'&' | b' ' | b';'))
            && is_secret_key(&key)
            && value_end > eq + 1
        {
            out.push(eq + 1..value_end);
            // The value is masked whole: a `password=` inside it
            // (`pwd=?password=x`) must not yield a second, overlapping range.
            i = value_end;
            continue;
        }
        i = eq + 1;
    }
    out
}

/// A query string (`a=1&password=x`) with the value of every credential
/// parameter ([`is_secret_key`]) replaced by [`MASK`].
pub fn mask_query(query: &str) -> String {
    query
        .split('&')
        .map(|pair| match pair.split_once('=') {
            Some((key, _))
                if is_secret_key(
                    &percent_encoding::percent_decode_str(key).decode_utf8_lossy(),
                ) =>
            {
                format!("{key}={MASK}")
            }
            _ => pair.to_owned(),
        })
        .collect::<Vec<_>>()
        .join("&")
}

/// The raw (still percent-encoded, maybe `%(ref)s`) passwords of the URLs
/// in `text`.
pub fn raw_passwords(text: &str) -> Vec<&str> {
    password_ranges(text)
        .into_iter()
        .map(|r| &text[r])
        .collect()
}

/// Whether a key's value is a secret by its name alone (`password`,
/// `connect_args.sslpassword`, `api_token`, ...).
pub fn is_secret_key(key: &str) -> bool {
    let key = key.to_ascii_lowercase();
    let last = key.rsplit(['.', '_', '-']).next().unwrap_or(&key);
    ["password", "passwd", "secret", "token", "pwd"]
        .iter()
        .any(|word| key.contains(word))
        || matches!(last, "pw" | "pass")
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

/// A reference inside a value: `%(key)s` or `${NAME}`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Reference<'a> {
    /// `%(key)s`: another ini key.
    Key(&'a str),
    /// `${NAME}` / `${NAME:-default}`: an environment variable.
    Env(&'a str),
}

/// The references in `text` (a password part, typically).
pub fn references(text: &str) -> Vec<Reference<'_>> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(i) = rest.find(['%', '$']) {
        let tail = &rest[i..];
        if let Some(body) = tail.strip_prefix("%(") {
            if let Some(end) = body.find(")s") {
                out.push(Reference::Key(&body[..end]));
                rest = &body[end + 2..];
                continue;
            }
        } else if let Some(body) = tail.strip_prefix("${") {
            if let Some(end) = body.find('}') {
                let name = body[..end].split(":-").next().unwrap_or_default();
                out.push(Reference::Env(name));
                rest = &body[end + 1..];
                continue;
            }
        }
        rest = &tail[1..];
    }
    out
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
    fn malformed_and_embedded_urls_are_masked() {
        assert_eq!(
            mask_urls("postgres:/app:S3cret@db/prod"),
            "postgres:/app:***@db/prod"
        );
        assert_eq!(
            mask_urls("dsn=postgres://a:S3cret@h/d, next"),
            "dsn=postgres://a:***@h/d, next"
        );
        assert_eq!(mask_urls("user@host and a: b"), "user@host and a: b");
    }

    #[test]
    fn references_in_passwords() {
        assert_eq!(references("%(pw)s"), [Reference::Key("pw")]);
        assert_eq!(references("x${DB_PW:-d}y"), [Reference::Env("DB_PW")]);
        let mut r = Redactor::default();
        r.add_url("postgres://app:${DB_PASSWORD}@db/prod");
        assert_eq!(
            r.redact("with ${DB_PASSWORD} from env"),
            "with ${DB_PASSWORD} from env"
        );
    }

    #[test]
    fn a_non_ascii_character_before_the_scheme_is_no_panic() {
        // Found by the fuzz target `ini` (.ci/run's fuzz stage): the
        // character before `postgres://` is three bytes wide.
        let text = "dsn=\u{fffd}postgres://u:pw@h/db";
        assert_eq!(raw_passwords(text), ["pw"]);
        assert_eq!(
            raw_passwords("\0\0\u{fffd}://\u{fffd}@x"),
            Vec::<&str>::new()
        );
        assert_eq!(
            mask_urls("\u{e9}mysql://root:s3cret@h/db"),
            "\u{e9}mysql://root:***@h/db"
        );
    }

    #[test]
    fn a_credential_value_holding_another_credential_is_masked_once() {
        // Found by the fuzz target `url` in CI: the value of `pwd` holds
        // `password=...`, which gave two overlapping ranges and a panic.
        let text = "://?pwd=?password=Zq7Sekr3t";
        assert_eq!(raw_passwords(text), ["?password=Zq7Sekr3t"]);
        assert_eq!(mask_urls(text), "://?pwd=***");
        assert_eq!(
            mask_urls("postgres://u@h/db?sslpassword=a&pwd=b"),
            "postgres://u@h/db?sslpassword=***&pwd=***"
        );
    }

    #[test]
    fn overlapping_credentials_found_by_the_fuzz_campaign_are_masked() {
        // Found by the fuzz campaign of issue 30 (target `url`, before the
        // fix above): another input whose credential ranges overlapped.
        let text = "://p\0\0\0p+?passwordp=J@?password=Zq7Sekr3t";
        let masked = mask_urls(text);
        assert!(!masked.contains("Zq7Sekr3t"), "{masked}");
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
    fn passwords_with_quotes_spaces_and_brackets_are_masked_whole() {
        for pw in ["it's", "a\"b", "<x>", "a`b", "a b c"] {
            let text = format!("could not connect to postgres://app:{pw}@db/prod: refused");
            let masked = mask_urls(&text);
            assert_eq!(
                masked, "could not connect to postgres://app:***@db/prod: refused",
                "{pw}"
            );
        }
    }

    #[test]
    fn credential_parameters_of_a_query_are_masked() {
        assert_eq!(
            mask_urls("postgres://db/x?user=a&password=S3cr3t&sslpassword=K3y&sslmode=require"),
            "postgres://db/x?user=a&password=***&sslpassword=***&sslmode=require"
        );
        assert_eq!(mask_query("a=1&PASSWORD=x"), "a=1&PASSWORD=***");
    }

    #[test]
    fn secret_key_names() {
        assert!(is_secret_key("connect_args.password"));
        assert!(is_secret_key("API_TOKEN"));
        assert!(!is_secret_key("pool_size"));
    }
}
