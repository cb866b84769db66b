//! Text from outside (folder names, revision ids, messages, rows read
//! from a database) on its way to a terminal or a SQL comment: the
//! characters that could act there instead of being read are written
//! escaped.

use std::borrow::Cow;

/// Whether `c` acts rather than shows: a control character (ESC starts a
/// terminal escape sequence; CR and LF end a SQL comment), a bidirectional
/// override or isolate (which reorders what a reader sees, as in "Trojan
/// Source"), or a Unicode line or paragraph separator.
pub fn is_unsafe_char(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}'
                | '\u{2028}' | '\u{2029}' | '\u{061C}'
        )
}

/// The first character of `text` that [`is_unsafe_char`], if any.
pub fn unsafe_char(text: &str) -> Option<char> {
    text.chars().find(|&c| is_unsafe_char(c))
}

/// `c` as it is written escaped: `\n`, `\r`, `\t`, else `\u{1b}`.
pub fn escaped_char(c: char) -> String {
    match c {
        '\n' => "\\n".to_owned(),
        '\r' => "\\r".to_owned(),
        '\t' => "\\t".to_owned(),
        c => format!("\\u{{{:x}}}", u32::from(c)),
    }
}

/// `text` with every [`is_unsafe_char`] written as its escape, so that it
/// prints as one line of visible characters.
///
/// ```
/// use schema_core::text::escape_controls;
/// assert_eq!(escape_controls("a\u{1b}[2Jb"), "a\\u{1b}[2Jb");
/// assert_eq!(escape_controls("x\r\ny"), "x\\r\\ny");
/// assert_eq!(escape_controls("plain é"), "plain é");
/// ```
pub fn escape_controls(text: &str) -> Cow<'_, str> {
    if unsafe_char(text).is_none() {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_unsafe_char(c) {
            out.push_str(&escaped_char(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// [`escape_controls`] for text printed as lines: line feeds and tabs
/// stay, every other [`is_unsafe_char`] (ESC, CR, a bidi override) is
/// written escaped.
///
/// ```
/// use schema_core::text::escape_terminal;
/// assert_eq!(escape_terminal("a\nb\u{1b}[31m\r"), "a\nb\\u{1b}[31m\\r");
/// ```
pub fn escape_terminal(text: &str) -> Cow<'_, str> {
    let acts = |c: char| c != '\n' && c != '\t' && is_unsafe_char(c);
    if !text.chars().any(acts) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if acts(c) {
            out.push_str(&escaped_char(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bidi_overrides_and_separators_are_escaped() {
        assert_eq!(escape_controls("a\u{202E}b"), "a\\u{202e}b");
        assert_eq!(escape_controls("a\u{2028}b"), "a\\u{2028}b");
        assert_eq!(escape_controls("a\u{7f}b"), "a\\u{7f}b");
        assert_eq!(escape_controls("a\u{9b}b"), "a\\u{9b}b");
    }
}
