//! Written by `cargo schema init`: rebuild (and so re-run `embed!()`) when
//! the configuration or the migrations folder changes, including when a
//! migration folder is added.

fn main() {
    println!("cargo:rerun-if-changed=schema.ini");
    println!("cargo:rerun-if-changed=migrations");
}
