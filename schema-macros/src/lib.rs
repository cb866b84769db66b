//! `embed!()`: the project's migrations and typed configuration, checked
//! when the project builds. A shim: parse the arguments with syn and call
//! [`schema_core::embed::expand`] (plain code over the project pipeline the
//! CLI and the runtime use), which hands back the tokens, `compile_error!`s
//! included.
//!
//! Use it through `schema_runtime::embed!()`; see that crate for the
//! generated items.

mod args;

use std::path::PathBuf;

use proc_macro::TokenStream;
use schema_core::url::Backends;

/// The backends the application is compiled with (schema-runtime turns on
/// the feature of the same name here).
const BACKENDS: Backends = Backends {
    sqlite: cfg!(feature = "sqlite"),
    postgres: cfg!(feature = "postgres"),
    mysql: cfg!(feature = "mysql"),
};

/// Embed the migrations and configuration of `$CARGO_MANIFEST_DIR/schema.ini`
/// (or `config = "path"`, `section = "name"`, `prefix = "diesel."`).
#[proc_macro]
pub fn embed(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as args::EmbedArgs);
    // The one environment read the macro makes.
    let manifest_dir =
        std::env::var_os("CARGO_MANIFEST_DIR").map_or_else(|| PathBuf::from("."), PathBuf::from);
    schema_core::embed::expand(&args.request(), &manifest_dir, BACKENDS).into()
}
