//! `completions SHELL`: the script a shell sources, and the entry point that
//! script calls back at every TAB.
//!
//! Why dynamic, and why this shape: a revision id or a branch label can
//! only come from the project's migrations folder at TAB time, so the
//! scripts call the binary back (clap_complete's dynamic engine, over the
//! same clap definitions as the parser, so commands and flags never drift).
//! clap_complete's own registration (`CompleteEnv`) registers one command
//! name, and for `cargo schema` that name would be `cargo`: it would replace
//! the completion of every other cargo command. So each script registers
//! `cargo-schema` through clap_complete and then hooks `cargo` without
//! taking it over: bash wraps the completion already registered for cargo
//! and hands it everything but `cargo schema ...`; zsh's `_cargo` calls
//! `_cargo-schema` for the subcommand by itself; fish adds completions under
//! a condition; elvish wraps the previous completer. PowerShell has no
//! cargo completion to wrap, so there the script completes `cargo` to its
//! `schema` subcommand.

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use std::ffi::OsString;
use std::io::Write as _;
use std::path::Path;
use std::process::ExitCode;

use clap::Args;
use clap::CommandFactory;
use clap_complete::env::{EnvCompleter, Shells};
use clap_complete::Shell;

use crate::cli::{CargoCli, SchemaCli};
use crate::{Failure, Outcome};

/// The variable that puts the binary in completion mode; the value is the
/// shell. (Not clap_complete's default `COMPLETE`, which cargo reads too.)
pub const VAR: &str = "CARGO_SCHEMA_COMPLETE";

/// `completions SHELL`: print the registration script.
pub fn run(args: &CompletionsArgs) -> Result<Outcome, Failure> {
    let completer = match std::env::current_exe() {
        Ok(path) if !args.on_path => path.display().to_string(),
        _ => "cargo-schema".to_owned(),
    };
    let script = registration(args.shell, &completer)?;
    std::io::stdout().lock().write_all(script.as_bytes())?;
    Ok(Outcome::Ok)
}

/// The script for `shell`, calling `completer` (the binary's path) back.
pub fn registration(shell: Shell, completer: &str) -> std::io::Result<String> {
    let env = env_completer(shell);
    let mut buf = Vec::new();
    env.write_registration(VAR, "cargo-schema", "cargo-schema", completer, &mut buf)?;
    let direct = String::from_utf8_lossy(&buf).into_owned();
    let cargo = match shell {
        Shell::Bash => BASH_CARGO.to_owned(),
        Shell::Zsh => ZSH_CARGO.to_owned(),
        Shell::Elvish => ELVISH_CARGO.to_owned(),
        Shell::Fish => {
            let mut buf = Vec::new();
            env.write_registration(VAR, "cargo-schema", "cargo", completer, &mut buf)?;
            // clap_complete's line (its quoting included), limited to
            // `cargo schema ...` so fish's own cargo completions stay.
            String::from_utf8_lossy(&buf).replacen(
                "--command cargo ",
                "--command cargo --condition '__fish_seen_subcommand_from schema' ",
                1,
            )
        }
        _ => {
            let mut buf = Vec::new();
            env.write_registration(VAR, "cargo-schema", "cargo", completer, &mut buf)?;
            String::from_utf8_lossy(&buf).into_owned()
        }
    };
    Ok(format!(
        "# Completions for cargo-schema and `cargo schema`; regenerate them after\n# upgrading cargo-schema (the script and the binary must match).\n{direct}\n{cargo}"
    ))
}

/// Every shell clap_complete's dynamic engine speaks to.
const SHELLS: Shells<'static> = Shells::builtins();

fn env_completer(shell: Shell) -> &'static dyn EnvCompleter {
    let name = match shell {
        Shell::Bash => "bash",
        Shell::Zsh => "zsh",
        Shell::Fish => "fish",
        Shell::Elvish => "elvish",
        _ => "powershell",
    };
    SHELLS
        .completer(name)
        .expect("clap_complete has every shell clap_complete::Shell names")
}

/// bash: wrap whatever completes `cargo` now (rustup's `_cargo`, say),
/// keeping its options, and answer `cargo schema ...` ourselves.
const BASH_CARGO: &str = r#"
_cargo_schema_previous=
if ! complete -p cargo >/dev/null 2>&1; then
    # bash-completion loads cargo's completion on first use; load it now.
    if declare -F _comp_load >/dev/null; then
        _comp_load cargo >/dev/null 2>&1
    elif declare -F _completion_loader >/dev/null; then
        _completion_loader cargo >/dev/null 2>&1
    fi
fi
_cargo_schema_spec=$(complete -p cargo 2>/dev/null)
if [[ $_cargo_schema_spec =~ -F\ ([^ ]+) ]] && [[ ${BASH_REMATCH[1]} != _cargo_schema_cargo ]]; then
    _cargo_schema_previous=${BASH_REMATCH[1]}
    eval "${_cargo_schema_spec/-F ${BASH_REMATCH[1]}/-F _cargo_schema_cargo}"
elif [[ -z $_cargo_schema_spec ]]; then
    complete -o bashdefault -o default -F _cargo_schema_cargo cargo
fi
unset _cargo_schema_spec
_cargo_schema_cargo() {
    if [[ ${COMP_WORDS[1]-} == schema ]] && (( COMP_CWORD >= 2 )); then
        compopt -o nosort 2>/dev/null
        _clap_complete_cargo_schema "$@"
    elif [[ -n $_cargo_schema_previous ]]; then
        "$_cargo_schema_previous" "$@"
    fi
}
"#;

/// zsh: cargo's `_cargo` calls `_cargo-<name>` for a subcommand it does not
/// know, with `words` starting at the subcommand.
const ZSH_CARGO: &str = r#"
_cargo-schema() {
    words=(cargo "${words[@]}")
    (( CURRENT++ ))
    _clap_dynamic_completer_cargo_schema
}
# Without cargo's own completion, complete `cargo schema` alone.
if (( ! $+_comps[cargo] )); then
    _cargo_schema_cargo() {
        if (( CURRENT > 2 )) && [[ $words[2] == schema ]]; then
            _clap_dynamic_completer_cargo_schema
        else
            _default
        fi
    }
    compdef _cargo_schema_cargo cargo
fi
"#;

/// elvish: wrap the completer `cargo` had, if any.
const ELVISH_CARGO: &str = r#"
var cargo-schema-previous = $nil
if (has-key $edit:completion:arg-completer cargo) {
    set cargo-schema-previous = $edit:completion:arg-completer[cargo]
}
set edit:completion:arg-completer[cargo] = { |@words|
    if (and (> (count $words) 2) (eq $words[1] schema)) {
        $edit:completion:arg-completer[cargo-schema] $@words
    } elif (not-eq $cargo-schema-previous $nil) {
        $cargo-schema-previous $@words
    } else {
        edit:complete-filename $words[-1]
    }
}
"#;

/// When the shell calls back (`CARGO_SCHEMA_COMPLETE=SHELL cargo-schema --
/// WORDS...`), print the candidates and return the exit code; `None` for
/// an ordinary run.
pub fn complete_from_env(args: &[OsString]) -> Option<ExitCode> {
    let shell = std::env::var(VAR)
        .ok()
        .filter(|v| !v.is_empty() && v != "0")?;
    let Some(env) = SHELLS.completer(&shell) else {
        eprintln!("error: {VAR}={shell} is not a shell cargo-schema completes");
        return Some(ExitCode::from(2));
    };
    let words: Vec<OsString> = match args.iter().position(|a| a == "--") {
        Some(i) => args[i + 1..].to_vec(),
        None => Vec::new(),
    };
    if words.is_empty() {
        return Some(ExitCode::from(2));
    }
    let mut cmd = command_for(&words);
    let cwd = std::env::current_dir().ok();
    let mut buf = Vec::new();
    match env.write_complete(&mut cmd, words, cwd.as_deref(), &mut buf) {
        // A shell that stopped listening is not an error worth a message.
        Ok(()) => {
            let _ = std::io::stdout().lock().write_all(&buf);
            Some(ExitCode::SUCCESS)
        }
        Err(_) => Some(ExitCode::from(1)),
    }
}

/// The clap command the words are for: `cargo schema ...` or
/// `cargo-schema ...`; the revision arguments complete from the project
/// the words name.
fn command_for(words: &[OsString]) -> clap::Command {
    crate::candidates::from_line(&words[1..]);
    let via_cargo = words
        .first()
        .and_then(|w| Path::new(w).file_stem())
        .is_some_and(|stem| stem == "cargo");
    if via_cargo {
        CargoCli::command()
    } else {
        SchemaCli::command()
    }
}

/// `completions` options.
#[derive(Debug, Args)]
pub struct CompletionsArgs {
    /// The shell.
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
    /// Call back `cargo-schema` as found on PATH at TAB time, not this
    /// binary's path: for a script installed with a package (a release's
    /// completions/), not sourced at shell start.
    #[arg(long = "on-path")]
    pub on_path: bool,
}
