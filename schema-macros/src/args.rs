//! `embed!(config = "...", section = "...", prefix = "...")`.

use syn::parse::{Parse, ParseStream};
use syn::{Ident, LitStr, Token};

/// The macro's arguments.
#[derive(Default)]
pub struct EmbedArgs {
    /// The ini file, relative to `CARGO_MANIFEST_DIR`.
    pub config: Option<LitStr>,
    /// The main section.
    pub section: Option<LitStr>,
    /// The engine option prefix.
    pub prefix: Option<LitStr>,
}

impl Parse for EmbedArgs {
    fn parse(input: ParseStream<'_>) -> syn::Result<Self> {
        let mut args = EmbedArgs::default();
        while !input.is_empty() {
            let key: Ident = input.parse()?;
            input.parse::<Token![=]>()?;
            let value: LitStr = input.parse()?;
            let slot = match key.to_string().as_str() {
                "config" => &mut args.config,
                "section" => &mut args.section,
                "prefix" => &mut args.prefix,
                other => {
                    return Err(syn::Error::new(
                        key.span(),
                        format!("unknown argument `{other}`; embed! takes config = \"path\", section = \"name\", prefix = \"diesel.\""),
                    ))
                }
            };
            if slot.replace(value).is_some() {
                return Err(syn::Error::new(
                    key.span(),
                    format!("`{key}` is given twice"),
                ));
            }
            if !input.is_empty() {
                input.parse::<Token![,]>()?;
            }
        }
        Ok(args)
    }
}

impl EmbedArgs {
    /// The arguments as schema-core's request.
    pub fn request(&self) -> schema_core::embed::EmbedRequest {
        schema_core::embed::EmbedRequest {
            config: self.config.as_ref().map(LitStr::value),
            section: self.section.as_ref().map(LitStr::value),
            prefix: self.prefix.as_ref().map(LitStr::value),
        }
    }
}
