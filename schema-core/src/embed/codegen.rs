//! The items `embed!()` writes into the user's crate: `MIGRATIONS`,
//! `CONFIG` and the typed `SchemaConfig`. Every file read becomes an
//! `include_str!`/`include_bytes!` of its absolute path, so editing or
//! deleting it rebuilds the crate.

use std::path::{Path, PathBuf};

use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote};

use super::Problem;
use crate::migrations::{record, Migration};
use crate::options::{Accessor, ENGINE_OPTIONS};
use crate::settings::RunOptions;

/// What the build found.
#[derive(Debug, Default)]
pub struct Embedded {
    /// The ini file.
    pub config_path: PathBuf,
    /// What the build should warn about without failing (a password
    /// written literally in the ini text, which is compiled in).
    pub warnings: Vec<super::Problem>,
    /// Revisions whose down.sql runs nothing while their up.sql does:
    /// a warning, not an error, since diesel projects carry many such
    /// irreversible revisions and diesel builds them (only a downgrade
    /// across one is refused).
    pub irreversible: Vec<super::Problem>,
    /// Whether it could be read at all.
    pub config_readable: bool,
    /// The package directory (the project root for `.env` at run time).
    pub root: PathBuf,
    /// `section = "..."`.
    pub section: Option<String>,
    /// The engine option prefix.
    pub prefix: String,
    /// Non-engine keys of the main section.
    pub main_keys: Vec<MainKey>,
    /// The migrations folder.
    pub script_location: Option<PathBuf>,
    /// The run options, from the ini.
    pub run: RunOptions,
    /// The validated migrations, in version order (empty on errors).
    pub migrations: Vec<Migration>,
    /// Migration folders seen, tracked for rebuilds even when invalid.
    pub tracked: Vec<PathBuf>,
}

/// A key of the main section and its line.
#[derive(Debug, Clone)]
pub struct MainKey {
    /// Lower-cased key.
    pub key: String,
    /// Line in the ini file.
    pub line: Option<usize>,
}

fn canonical(path: &Path) -> PathBuf {
    path.canonicalize().unwrap_or_else(|_| path.to_path_buf())
}

fn path_lit(path: &Path) -> String {
    canonical(path).display().to_string()
}

/// The tokens of `embed!()`.
pub fn generate(embedded: &Embedded, problems: &[Problem]) -> TokenStream {
    let errors = problems.iter().map(|p| {
        let message = p.render();
        quote::quote_spanned!(Span::call_site()=> ::core::compile_error!(#message);)
    });
    // Stable Rust has no warning a macro can raise; using a deprecated
    // item makes rustc print the note as a warning at the macro call.
    let warnings = embedded.warnings.iter().map(|w| {
        let note = format!("\n{}", w.render());
        quote::quote_spanned!(Span::call_site()=>
            const _: () = {
                #[deprecated(note = #note)]
                struct PasswordWrittenInSchemaIni;
                let _ = PasswordWrittenInSchemaIni;
            };
        )
    });
    let irreversible = embedded.irreversible.iter().map(|w| {
        let note = format!("\n{}", w.render());
        quote::quote_spanned!(Span::call_site()=>
            const _: () = {
                #[deprecated(note = #note)]
                struct RevisionCannotBeReverted;
                let _ = RevisionCannotBeReverted;
            };
        )
    });
    let tracking = tracking(embedded, problems.is_empty());
    let migrations = migrations(embedded, problems.is_empty());
    let config = config(embedded);
    let typed = typed_config(embedded);
    quote! {
        #(#errors)*
        #(#warnings)*
        #(#irreversible)*
        #tracking
        #migrations
        #config
        #typed
    }
}

/// On errors the migrations are not embedded, but every file seen is still
/// included, so that fixing it triggers the rebuild that clears the error.
fn tracking(embedded: &Embedded, ok: bool) -> TokenStream {
    if ok {
        return TokenStream::new();
    }
    let mut files = Vec::new();
    if embedded.config_readable {
        files.push(path_lit(&embedded.config_path));
    }
    for dir in &embedded.tracked {
        for name in ["up.sql", "down.sql", "metadata.toml"] {
            let file = dir.join(name);
            if file.is_file() {
                files.push(path_lit(&file));
            }
        }
    }
    quote! {
        const _: &[&[u8]] = &[#(::core::include_bytes!(#files)),*];
    }
}

fn migrations(embedded: &Embedded, ok: bool) -> TokenStream {
    let location = embedded
        .script_location
        .as_deref()
        .map(|p| p.display().to_string())
        .unwrap_or_default();
    // The folder is made canonical once and the files joined to it: one
    // canonical path per file was thousands of system calls at 1000
    // migrations.
    let folder = embedded
        .script_location
        .as_deref()
        .map(canonical)
        .unwrap_or_default();
    let migrations = if ok { &embedded.migrations[..] } else { &[] };
    // Four strings per migration: the record format of
    // `schema_core::migrations::record`, whose decoder the runtime uses.
    let records = migrations.iter().map(|m| {
        let dir = folder.join(&m.folder_name);
        let include = |name: &str| {
            let path = dir.join(name).display().to_string();
            quote!(::core::include_str!(#path))
        };
        let has_down = m.down_sql.is_some();
        let has_metadata = dir.join("metadata.toml").is_file();
        let header = record::header(&m.folder_name, m.checksum.as_str(), has_down, has_metadata);
        let up = include("up.sql");
        let down = if has_down {
            include("down.sql")
        } else {
            quote!("")
        };
        let metadata = if has_metadata {
            include("metadata.toml")
        } else {
            quote!("")
        };
        quote!(#header, #up, #down, #metadata)
    });
    let options = embedded.run.to_tokens();
    let doc = format!(
        "The migrations of `{location}`, embedded at build time ({} revision(s)). \
         `MIGRATIONS.upgrade(&mut conn, \"head\")` applies them with the rules of `cargo schema upgrade`.",
        embedded.migrations.len()
    );
    quote! {
        #[doc = #doc]
        pub static MIGRATIONS: ::schema_runtime::embedded::EmbeddedMigrations =
            ::schema_runtime::embedded::EmbeddedMigrations::new(
                #location,
                &[#(#records),*],
                #options,
                ::core::option::Option::Some(&CONFIG),
            );
    }
}

fn config(embedded: &Embedded) -> TokenStream {
    // The path as the runtime would compute it (for `%(here)s`); the
    // include goes through the canonical path.
    let path = embedded.config_path.display().to_string();
    let include = path_lit(&embedded.config_path);
    let text = if embedded.config_readable {
        quote!(::core::include_str!(#include))
    } else {
        quote!("")
    };
    let section = match &embedded.section {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    };
    let prefix = &embedded.prefix;
    let root = embedded.root.display().to_string();
    let doc = format!("`{}`, embedded at build time; `SchemaConfig::load()` reads it with the run-time overrides.", path);
    quote! {
        #[doc = #doc]
        pub static CONFIG: ::schema_runtime::embedded::EmbeddedConfig = ::schema_runtime::embedded::EmbeddedConfig {
            path: #path,
            text: #text,
            section: #section,
            prefix: #prefix,
            root: #root,
        };
    }
}

/// The typed accessor of an engine option, from the option table's own
/// [`Accessor`] (its Rust type and the expression over the settings `s`).
fn engine_accessor(name: &str, doc: &str, accessor: &Accessor) -> TokenStream {
    let ident = format_ident!("{name}");
    let doc = format!("`{name}`: {doc}");
    // The table's texts are constants of this crate, checked by a test to
    // parse; a failure here would be a bug in the table, not user input.
    let ty: syn::Type =
        syn::parse_str(accessor.rust_type).unwrap_or_else(|_| syn::parse_quote!(()));
    let value: syn::Expr = syn::parse_str(accessor.value).unwrap_or_else(|_| syn::parse_quote!(()));
    quote! {
        #[doc = #doc]
        pub fn #ident(&self) -> #ty {
            let s = ::schema_runtime::embedded::LoadedConfig::settings(&self.inner);
            #value
        }
    }
}

/// Names the typed struct defines itself; a key of the same name is only
/// reachable through `get`.
const RESERVED: &[&str] = &[
    "load",
    "load_with",
    "get",
    "settings",
    "config",
    "connect_args",
    "database_url",
];

fn key_ident(key: &str) -> Option<syn::Ident> {
    let mut name: String = key
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if name.is_empty() || name.starts_with(|c: char| c.is_ascii_digit()) {
        name.insert_str(0, "key_");
    }
    let engine = ENGINE_OPTIONS.iter().any(|s| s.name == name);
    if engine || RESERVED.contains(&name.as_str()) {
        return None;
    }
    syn::parse_str::<syn::Ident>(&name).ok()
}

fn typed_config(embedded: &Embedded) -> TokenStream {
    let engine = ENGINE_OPTIONS
        .iter()
        .filter_map(|s| Some(engine_accessor(s.name, s.doc, s.accessor.as_ref()?)));
    let file = embedded
        .config_path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let mut seen = std::collections::HashSet::new();
    let keys = embedded.main_keys.iter().filter_map(|k| {
        let ident = key_ident(&k.key)?;
        if !seen.insert(ident.to_string()) {
            return None;
        }
        let key = &k.key;
        let doc = match k.line {
            Some(line) => format!("`{key}` of the main section ({file} line {line}), interpolated, with run-time overrides."),
            None => format!("`{key}` of the main section ({file}), interpolated, with run-time overrides."),
        };
        Some(quote! {
            #[doc = #doc]
            pub fn #ident(&self) -> &str {
                ::schema_runtime::embedded::LoadedConfig::get(&self.inner, #key).unwrap_or_default()
            }
        })
    });
    quote! {
        /// The configuration of `CONFIG`, typed: one accessor per engine
        /// option and one per key of the main section. Values come from the
        /// ini file as built, replaced at run time by `DATABASE_URL`, `.env`,
        /// `${NAME}` and `load_with`'s `set_main_option`, and checked again.
        #[derive(Debug, Clone)]
        pub struct SchemaConfig {
            inner: ::schema_runtime::embedded::LoadedConfig,
        }

        impl SchemaConfig {
            /// Read `CONFIG` with the run-time overrides.
            pub fn load() -> ::core::result::Result<Self, ::schema_runtime::ConfigError> {
                // Fully qualified: a `load` of a trait in the user's scope
                // (diesel's RunQueryDsl) would otherwise win.
                ::schema_runtime::embedded::EmbeddedConfig::load(&CONFIG).map(|inner| SchemaConfig { inner })
            }

            /// Read `CONFIG`, letting `adjust` set values first (literal,
            /// as Alembic env.py's `config.set_main_option`).
            pub fn load_with(
                adjust: impl ::core::ops::FnOnce(&mut ::schema_runtime::Config),
            ) -> ::core::result::Result<Self, ::schema_runtime::ConfigError> {
                ::schema_runtime::embedded::EmbeddedConfig::load_with(&CONFIG, adjust).map(|inner| SchemaConfig { inner })
            }

            /// Any key of the main section, interpolated.
            pub fn get(&self, key: &str) -> ::core::option::Option<&str> {
                ::schema_runtime::embedded::LoadedConfig::get(&self.inner, key)
            }

            /// The typed engine settings (for `engine_from_config`).
            pub fn settings(&self) -> &::schema_runtime::EngineSettings {
                ::schema_runtime::embedded::LoadedConfig::settings(&self.inner)
            }

            /// The configuration with whatever was set at run time.
            pub fn config(&self) -> &::schema_runtime::Config {
                ::schema_runtime::embedded::LoadedConfig::config(&self.inner)
            }

            /// The database URL, parsed (its `Display` masks the password).
            pub fn database_url(&self) -> &::schema_runtime::DatabaseUrl {
                &::schema_runtime::embedded::LoadedConfig::settings(&self.inner).url
            }

            /// The `connect_args.*` options, `connect_args.` stripped.
            pub fn connect_args(&self) -> &::schema_runtime::ConnectArgs {
                &::schema_runtime::embedded::LoadedConfig::settings(&self.inner).connect_args
            }

            #(#engine)*

            #(#keys)*
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_general_engine_option_has_a_typed_accessor_that_parses() {
        for spec in ENGINE_OPTIONS {
            match (&spec.accessor, spec.backend) {
                (Some(accessor), None) => {
                    syn::parse_str::<syn::Type>(accessor.rust_type)
                        .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
                    syn::parse_str::<syn::Expr>(accessor.value)
                        .unwrap_or_else(|e| panic!("{}: {e}", spec.name));
                }
                (None, Some(_)) => {}
                _ => panic!(
                    "{}: general options have an accessor, connect_args none",
                    spec.name
                ),
            }
        }
    }

    #[test]
    fn key_names_become_identifiers() {
        assert_eq!(
            key_ident("script_location")
                .map(|i| i.to_string())
                .as_deref(),
            Some("script_location")
        );
        assert_eq!(
            key_ident("app.name").map(|i| i.to_string()).as_deref(),
            Some("app_name")
        );
        assert_eq!(
            key_ident("9lives").map(|i| i.to_string()).as_deref(),
            Some("key_9lives")
        );
        assert_eq!(key_ident("get"), None);
        assert_eq!(key_ident("pool_size"), None);
    }
}
