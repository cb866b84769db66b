//! Lays out the release binary's functions in the order of
//! `link/order.txt`, so that the code one command runs sits on few pages.
//!
//! The kernel maps a binary's text in 64 KiB runs around each page a process
//! executes; with the compiler's order the functions of one `upgrade head`
//! are spread over most of the 9 MB of text, and those mapped pages are most
//! of the command's peak memory. `bench/order.sh` regenerates the file.
//!
//! Only LLD takes `--symbol-ordering-file`, and Rust links with it by default
//! only on x86_64 Linux (glibc) since 1.90. A build that names its own linker
//! or linker flavour is left alone rather than risk a link error; so is any
//! profile but release, where the layout is not what is measured.

use std::env;
use std::path::Path;
use std::process::Command;

fn main() {
    let order =
        Path::new(&env::var_os("CARGO_MANIFEST_DIR").expect("set by cargo")).join("link/order.txt");
    println!("cargo:rerun-if-changed={}", order.display());
    println!("cargo:rerun-if-env-changed=CARGO_SCHEMA_NO_ORDER");
    if lld_by_default() && env::var_os("CARGO_SCHEMA_NO_ORDER").is_none() && order.is_file() {
        println!(
            "cargo:rustc-link-arg-bin=cargo-schema=-Wl,--symbol-ordering-file={}",
            order.display()
        );
        // The file names functions of the build it was made from; a few
        // are always missing from another build, which is harmless.
        println!("cargo:rustc-link-arg-bin=cargo-schema=-Wl,--no-warn-symbol-ordering");
    }
}

/// Whether this build links with rustc's default LLD and is a release build.
fn lld_by_default() -> bool {
    let var = |name: &str| env::var(name).unwrap_or_default();
    if var("PROFILE") != "release" || var("TARGET") != "x86_64-unknown-linux-gnu" {
        return false;
    }
    // A linker named in .cargo/config.toml or the environment reaches the
    // build script as RUSTC_LINKER; one chosen by flag, through the flags.
    if env::var_os("RUSTC_LINKER").is_some() {
        return false;
    }
    let flags = var("CARGO_ENCODED_RUSTFLAGS");
    if ["fuse-ld", "linker", "link-self-contained"]
        .iter()
        .any(|f| flags.contains(f))
    {
        return false;
    }
    rustc_minor().is_some_and(|minor| minor >= 90)
}

/// The minor version of the compiler building this crate (`1.N.x`).
fn rustc_minor() -> Option<u32> {
    let rustc = env::var_os("RUSTC")?;
    let out = Command::new(rustc).arg("-V").output().ok()?;
    let text = String::from_utf8(out.stdout).ok()?;
    let version = text.split_whitespace().nth(1)?;
    let mut parts = version.split('.');
    (parts.next()? == "1").then_some(())?;
    parts.next()?.parse().ok()
}
