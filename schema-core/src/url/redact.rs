//! What a [`Redactor`] learns from database URLs: kept beside the URL
//! parser so that the secret module, which the URL module masks with,
//! imports nothing back.

use super::{DatabaseUrl, UrlStyle};
use crate::secret::{raw_passwords, references, Redactor};

impl Redactor {
    /// Remember every secret of a parsed URL (its password, its query's
    /// credential parameters), decoded and encoded.
    pub fn add_database_url(&mut self, url: &DatabaseUrl) {
        for secret in url.secrets() {
            self.add(&secret);
        }
    }

    /// A redactor that knows `url`'s secrets.
    pub fn for_url(url: &DatabaseUrl) -> Self {
        let mut r = Redactor::default();
        r.add_database_url(url);
        r
    }

    /// Remember the passwords of the URLs in `text`; a password that is a
    /// reference (`%(pw)s`, `${DB_PASSWORD}`) is not itself a secret, its
    /// value is (see [`references`]).
    pub fn add_url(&mut self, text: &str) {
        if let Ok(url) = DatabaseUrl::parse(text, UrlStyle::Diesel) {
            for secret in url.secrets() {
                if references(&secret).is_empty() {
                    self.add(&secret);
                }
            }
        }
        for raw in raw_passwords(text) {
            if references(raw).is_empty() {
                let decoded = percent_encoding::percent_decode_str(raw)
                    .decode_utf8_lossy()
                    .into_owned();
                self.add(raw);
                self.add(&decoded);
            }
        }
    }
}
