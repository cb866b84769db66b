//! `embed!()`: the project's migrations and typed configuration, checked
//! when the project builds. A thin shim: parse the arguments with syn, call
//! [`expand::embed`] (plain code over schema-core, the same functions the
//! CLI and the runtime call), hand back its tokens.
//!
//! Use it through `schema_runtime::embed!()`; see that crate for the
//! generated items.

mod args;
mod codegen;
mod expand;

use proc_macro::TokenStream;

/// Embed the migrations and configuration of `$CARGO_MANIFEST_DIR/schema.ini`
/// (or `config = "path"`, `section = "name"`, `prefix = "diesel."`).
#[proc_macro]
pub fn embed(input: TokenStream) -> TokenStream {
    let args = syn::parse_macro_input!(input as args::EmbedArgs);
    expand::embed(&args, &expand::manifest_dir(), expand::BACKENDS).into()
}
