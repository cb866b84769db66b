//! `cargo schema completions SHELL`: a script for every shell, and a real
//! bash completing `cargo schema upgrade <TAB>` through it, which calls the
//! binary back the way bash does and lists the folder's revisions.

use crate::support::{bin, Project};

const ROOT: &str = "a1b2c3d4e5f6";
const CHILD: &str = "b2c3d4e5f6a7";

/// A Cargo package with schema.ini and two revisions, the first labelled
/// `core`; plus `other/schema.ini` over a folder of one revision.
fn project() -> Project {
    let project = Project::with_ini(
        "[schema]\nscript_location = %(here)s/migrations\ndiesel.url = sqlite://%(here)s/app.db\n",
    );
    project.package(".", "demo");
    let revision = |dir: &str, metadata: &str| {
        project.file(&format!("{dir}/metadata.toml"), metadata);
        project.file(&format!("{dir}/up.sql"), "SELECT 1;\n");
        project.file(&format!("{dir}/down.sql"), "SELECT 1;\n");
    };
    revision(
        "migrations/2024-01-01-000001_users",
        &format!("revision = \"{ROOT}\"\nmessage = \"create users\"\nbranch_labels = [\"core\"]\n"),
    );
    revision(
        "migrations/2024-01-01-000002_posts",
        &format!("revision = \"{CHILD}\"\ndown_revision = \"{ROOT}\"\nmessage = \"add posts\"\n"),
    );
    project.file(
        "other/schema.ini",
        "[schema]\nscript_location = %(here)s/versions\ndiesel.url = sqlite://%(here)s/o.db\n",
    );
    project.file("other/versions/2024-02-02-000001_x/up.sql", "SELECT 1;\n");
    project.file("other/versions/2024-02-02-000001_x/down.sql", "SELECT 1;\n");
    project
}

/// The script `completions SHELL` prints (exit 0).
fn script(project: &Project, shell: &str) -> String {
    let out = project.cmd(["completions", shell]).run();
    out.code(0);
    out.stdout
}

/// Source the bash script in a clean `bash --norc`, after `prelude`, and
/// press TAB at the end of `words` (the last one is the word being typed),
/// as bash's programmable completion calls the function registered for
/// the command. Returns COMPREPLY.
fn bash_tab(project: &Project, prelude: &str, words: &[&str]) -> Vec<String> {
    project.file("completions.bash", script(project, "bash"));
    let quoted: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', r"'\''")))
        .collect();
    let line = words.join(" ");
    let driver = format!(
        r#"{prelude}
source ./completions.bash
COMP_WORDS=({words})
COMP_CWORD={cword}
COMP_LINE='{line}'
COMP_POINT=${{#COMP_LINE}}
COMP_TYPE=9
spec=$(complete -p "${{COMP_WORDS[0]}}") || exit 7
fn=${{spec##*-F }}
fn=${{fn%% *}}
"$fn" "${{COMP_WORDS[0]}}" "${{COMP_WORDS[COMP_CWORD]}}" "${{COMP_WORDS[COMP_CWORD-1]}}"
printf '%s\n' "${{COMPREPLY[@]}}"
"#,
        words = quoted.join(" "),
        cword = words.len() - 1,
    );
    let out = project
        .cmd(["--norc", "--noprofile", "-c", &driver])
        .program("bash")
        .run();
    out.code(0);
    out.stdout
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

/// The candidates that are not flags.
fn values(candidates: Vec<String>) -> Vec<String> {
    candidates
        .into_iter()
        .filter(|c| !c.starts_with('-'))
        .collect()
}

#[test]
fn a_script_for_every_shell() {
    let project = project();
    let completer = bin().display().to_string();
    let expected: &[(&str, &[&str])] = &[
        (
            "bash",
            &[
                "complete -o nospace",
                "cargo-schema",
                "_cargo_schema_cargo() {",
            ],
        ),
        (
            "zsh",
            &[
                "compdef _clap_dynamic_completer_cargo_schema cargo-schema",
                "_cargo-schema() {",
            ],
        ),
        (
            "fish",
            &[
                "--command cargo-schema ",
                "--command cargo --condition '__fish_seen_subcommand_from schema' ",
            ],
        ),
        (
            "powershell",
            &["-CommandName cargo-schema ", "-CommandName cargo "],
        ),
        (
            "elvish",
            &["arg-completer[cargo-schema]", "arg-completer[cargo] ="],
        ),
    ];
    for (shell, parts) in expected {
        let text = script(&project, shell);
        assert!(text.contains(&completer), "{shell}: {text}");
        assert!(text.contains("CARGO_SCHEMA_COMPLETE"), "{shell}: {text}");
        for part in *parts {
            assert!(text.contains(part), "{shell} lacks {part:?}:\n{text}");
        }
    }
    // bash reads the script without a syntax error.
    project.file("completions.bash", script(&project, "bash"));
    project
        .cmd(["-n", "completions.bash"])
        .program("bash")
        .run()
        .code(0);
    // zsh too, where it is installed (.ci/run installs it).
    if shell_installed("zsh") {
        project.file("completions.zsh", script(&project, "zsh"));
        project
            .cmd(["-n", "completions.zsh"])
            .program("zsh")
            .run()
            .code(0);
    }
    let out = project.cmd(["completions", "tcsh"]).run();
    out.code(2);
}

/// Whether `shell` can be run; says so when it cannot.
fn shell_installed(shell: &str) -> bool {
    let found = std::process::Command::new(shell)
        .args(["-c", "exit 0"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !found {
        schema_test_support::unavailable::<()>(&format!(
            "{shell} is not installed (.ci/run installs it)"
        ));
    }
    found
}

/// fish's own `complete -C LINE` lists what TAB offers, through the
/// sourced script and the binary, as at a prompt.
#[test]
fn fish_completes_revisions_and_labels() {
    if !shell_installed("fish") {
        return;
    }
    let project = project();
    project.file("completions.fish", script(&project, "fish"));
    let data = project.path().join("fish-data");
    let tab = |line: &str| -> Vec<String> {
        let driver = format!("source completions.fish; complete -C '{line}'");
        let out = project
            .cmd(["--no-config", "-c", &driver])
            .program("fish")
            .env("XDG_CONFIG_HOME", &data.display().to_string())
            .env("XDG_DATA_HOME", &data.display().to_string())
            .run();
        out.code(0);
        out.stdout.lines().map(str::to_owned).collect()
    };
    assert_eq!(
        values(tab("cargo schema downgrade ")),
        [
            "head\tthe head of the revision graph".to_owned(),
            "heads\tevery head".to_owned(),
            "base\tbefore the first revision".to_owned(),
            format!("{CHILD}\tadd posts"),
            format!("{ROOT}\tcreate users"),
            "core@head\tthe head of branch core".to_owned(),
            "core\tbranch core".to_owned(),
        ]
    );
    assert_eq!(
        tab("cargo-schema show a"),
        [format!("{ROOT}\tcreate users")]
    );
    assert_eq!(
        tab("cargo schema mer"),
        ["merge\tCreate a revision that merges several heads"]
    );
}

#[test]
fn bash_completes_revisions_and_labels() {
    let project = project();
    let all = bash_tab(&project, "", &["cargo", "schema", "upgrade", ""]);
    assert_eq!(
        values(all.clone()),
        ["head", "heads", "base", CHILD, ROOT, "core@head", "core"]
    );
    assert!(all.contains(&"--sql".to_owned()), "{all:?}");

    assert_eq!(
        bash_tab(&project, "", &["cargo", "schema", "upgrade", "a1"]),
        [ROOT]
    );
    assert_eq!(
        bash_tab(&project, "", &["cargo", "schema", "up"]),
        ["upgrade"]
    );
    assert_eq!(
        bash_tab(&project, "", &["cargo", "schema", "upgrade", "--al"]),
        ["--allow-edited"]
    );
    // Run directly, and for stamp's REVS.
    assert_eq!(
        bash_tab(&project, "", &["cargo-schema", "stamp", "co"]),
        ["core@head", "core"]
    );
    // -c on the line picks the folder the ids come from.
    assert_eq!(
        values(bash_tab(
            &project,
            "",
            &["cargo", "schema", "-c", "other/schema.ini", "downgrade", ""]
        )),
        ["head", "heads", "base", "20240202000001"]
    );
}

#[test]
fn bash_keeps_the_completion_cargo_had() {
    let project = project();
    let prelude = r#"_fake_cargo() { COMPREPLY=(fake-"$2"); }
complete -o default -F _fake_cargo cargo"#;
    assert_eq!(bash_tab(&project, prelude, &["cargo", "bu"]), ["fake-bu"]);
    assert_eq!(
        bash_tab(&project, prelude, &["cargo", "schema", "stamp", "b2"]),
        [CHILD]
    );
}

#[test]
fn the_entry_point_speaks_each_shell() {
    let project = project();
    // What fish runs: the words up to the cursor, then the current token;
    // candidates come back with their help after a tab.
    let out = project
        .cmd(["--", "cargo", "schema", "show", "b"])
        .env("CARGO_SCHEMA_COMPLETE", "fish")
        .run();
    out.code(0);
    assert_eq!(
        out.stdout,
        format!("base\tbefore the first revision\n{CHILD}\tadd posts\n")
    );
    // zsh: `value:help`, with the index of the word being completed.
    let out = project
        .cmd(["--", "cargo-schema", "merge", "-m", "x", "a"])
        .env("CARGO_SCHEMA_COMPLETE", "zsh")
        .env("_CLAP_COMPLETE_INDEX", "4")
        .run();
    out.code(0);
    assert_eq!(out.stdout, format!("{ROOT}:create users"));
    // A project that cannot be read still completes the keywords, silently.
    let empty = Project::empty();
    let out = empty
        .cmd(["--", "cargo-schema", "upgrade", "h"])
        .env("CARGO_SCHEMA_COMPLETE", "fish")
        .run();
    out.code(0);
    assert_eq!(out.stderr, "");
    assert_eq!(
        out.stdout,
        "head\tthe head of the revision graph\nheads\tevery head\n"
    );
}

/// A real interactive elvish (its `edit:` module exists only there, so it
/// runs on a pseudo-terminal through util-linux's `script`) sources the
/// script from its rc file and calls the completers it registered, as TAB
/// does; what they return is written to `tabs.txt`, one block a line of
/// `lines`, candidates one a line (a file candidate as `file:NAME`).
fn elvish_tab(project: &Project, prelude: &str, lines: &[&str]) -> Vec<Vec<String>> {
    project.file("completions.elv", script(project, "elvish"));
    let calls: Vec<String> = lines
        .iter()
        .map(|line| format!("  tab {line}\n  echo '<end>'\n"))
        .collect();
    project.file(
        "rc.elv",
        format!(
            "{prelude}\neval (slurp < completions.elv)\n\
             fn tab {{|@words| $edit:completion:arg-completer[$words[0]] $@words | each {{|c|\n\
               if (eq (kind-of $c) string) {{ echo $c }} else {{ echo file:$c[stem] }}\n\
             }} }}\n\
             {{\n{}}} > tabs.txt\nexit 0\n",
            calls.concat()
        ),
    );
    let _ = std::fs::remove_file(project.path().join("tabs.txt"));
    let home = project.path().display().to_string();
    // Its standard input is closed, so elvish ends at its prompt even if
    // the rc file failed before `exit`; `timeout` bounds it all the same.
    project
        .cmd(["120", "script", "-qec", "elvish -rc rc.elv", "/dev/null"])
        .program("timeout")
        .env("HOME", &home)
        .env("XDG_STATE_HOME", &home)
        .env("XDG_CONFIG_HOME", &home)
        .run()
        .code(0);
    let text = std::fs::read_to_string(project.path().join("tabs.txt"))
        .expect("elvish wrote no tabs.txt: the rc file failed");
    let blocks: Vec<Vec<String>> = text
        .split_terminator("<end>\n")
        .map(|block| block.lines().map(str::to_owned).collect())
        .collect();
    assert_eq!(blocks.len(), lines.len(), "{text}");
    blocks
}

#[test]
fn elvish_completes_revisions_and_labels() {
    if !shell_installed("elvish") {
        return;
    }
    let project = project();
    // A completer cargo already had stays in charge of the rest of cargo.
    let prelude = "set edit:completion:arg-completer[cargo] = {|@w| put fake-$w[-1] }";
    let blocks = elvish_tab(
        &project,
        prelude,
        &[
            "cargo schema downgrade ''",
            "cargo-schema show a",
            "cargo schema mer",
            "cargo schema stamp b2",
            "cargo schema -c other/schema.ini upgrade ''",
            "cargo bu",
        ],
    );
    assert_eq!(
        values(blocks[0].clone()),
        ["head", "heads", "base", CHILD, ROOT, "core@head", "core"]
    );
    assert!(blocks[0].contains(&"--sql".to_owned()), "{:?}", blocks[0]);
    assert_eq!(blocks[1], [ROOT]);
    assert_eq!(blocks[2], ["merge"]);
    assert_eq!(blocks[3], [CHILD]);
    assert_eq!(
        values(blocks[4].clone()),
        ["head", "heads", "base", "20240202000001"]
    );
    assert_eq!(blocks[5], ["fake-bu"]);
    // Without one, the rest of cargo completes file names.
    let blocks = elvish_tab(&project, "", &["cargo comp"]);
    assert!(
        blocks[0].contains(&"file:completions.elv".to_owned()),
        "{:?}",
        blocks[0]
    );
}

/// No PowerShell can be installed here (Debian does not package it), so
/// its script is checked by what can be: the call it makes, the binary
/// with `CARGO_SCHEMA_COMPLETE=powershell` and the words up to the cursor
/// (an empty last word where the cursor follows a space, the script's
/// `''`), answers `value<TAB>help` lines, which the script splits on the
/// tab into a CompletionResult each.
#[test]
fn powershell_gets_values_and_help_through_its_call() {
    let project = project();
    let text = script(&project, "powershell");
    let call = format!("& {} -- $args", bin().display());
    assert_eq!(text.matches(&call).count(), 2, "{text}");
    assert_eq!(
        text.matches("$env:CARGO_SCHEMA_COMPLETE = \"powershell\";")
            .count(),
        2,
        "{text}"
    );
    assert!(text.contains("$args += \" ''\";"), "{text}");
    assert!(text.contains("$_.Split(\"`t\")"), "{text}");
    let tab = |words: &[&str]| -> Vec<(String, String)> {
        let mut args = vec!["--"];
        args.extend_from_slice(words);
        let out = project
            .cmd(args)
            .env("CARGO_SCHEMA_COMPLETE", "powershell")
            .run();
        out.code(0);
        out.stdout
            .lines()
            .map(|l| {
                let (value, help) = l.split_once('\t').unwrap_or((l, l));
                (value.to_owned(), help.to_owned())
            })
            .collect()
    };
    let all = tab(&["cargo", "schema", "downgrade", ""]);
    let values: Vec<&str> = all
        .iter()
        .map(|(v, _)| v.as_str())
        .filter(|v| !v.starts_with('-'))
        .collect();
    assert_eq!(
        values,
        ["head", "heads", "base", CHILD, ROOT, "core@head", "core"]
    );
    assert!(
        all.contains(&(CHILD.to_owned(), "add posts".to_owned())),
        "{all:?}"
    );
    assert_eq!(
        tab(&["cargo-schema", "show", "a"]),
        [(ROOT.to_owned(), "create users".to_owned())]
    );
}
