//! `init`: a new project's schema.ini, migrations folder and .env.

// These doc comments are also `--help`'s text, where `[schema]` and
// `[print_schema]` name ini sections, not Rust items.
#![allow(rustdoc::broken_intra_doc_links)]

use std::path::{Path, PathBuf};

use clap::{Args, ValueEnum};

use crate::cli::GlobalArgs;
use crate::files::{self, Existing};
use crate::project::{self, CONFIG_FILE};
use crate::{Failure, Outcome};
use schema_core::Kind;

/// `init [DIR] [--template ...]`.
pub fn run(global: &GlobalArgs, args: &InitArgs) -> Result<Outcome, Failure> {
    let dir = match &args.dir {
        Some(dir) => std::path::absolute(dir)?,
        None => match project::locate(global) {
            Ok(located) => located
                .config_path
                .parent()
                .map(Path::to_path_buf)
                .unwrap_or_else(|| PathBuf::from(".")),
            // As `alembic init` works anywhere: outside a Cargo project the
            // project is the current directory (a wrong --manifest-path is
            // still an error).
            Err(e) if e.kind == Kind::Project && global.manifest_path.is_none() => {
                std::env::current_dir()?
            }
            Err(e) => return Err(e.into()),
        },
    };
    let ini = dir.join(CONFIG_FILE);
    if ini.exists() {
        return Err(Failure::Usage(format!(
            "{} already exists; init writes a new project and leaves existing files alone",
            ini.display()
        )));
    }
    let name = dir
        .file_name()
        .map(|n| {
            n.to_string_lossy()
                .replace(|c: char| !c.is_ascii_alphanumeric(), "_")
        })
        .unwrap_or_else(|| "app".to_owned());
    std::fs::create_dir_all(dir.join("migrations"))?;
    let keep = dir.join("migrations").join(".keep");
    if std::fs::symlink_metadata(&keep).is_err() {
        files::write(&keep, b"", Some(0o644), Existing::Refuse)?;
    }
    let schema_rs = schema_rs_setting(&dir);
    let mut text = template(args.template, &name);
    if schema_rs == SchemaRs::Written {
        // Above [schema], so that a key appended to the file still lands in
        // the main section.
        text = text.replacen("[schema]\n", &format!("{PRINT_SCHEMA}\n[schema]\n"), 1);
    }
    files::write(&ini, text.as_bytes(), Some(0o644), Existing::Refuse)?;
    let env_path = dir.join(".env");
    // .env holds the URL, and so maybe a password: readable by its owner
    // only. An existing one (or a link, even a dangling one) is left alone.
    if std::fs::symlink_metadata(&env_path).is_err() {
        files::write(
            &env_path,
            dotenv(args.template, &name).as_bytes(),
            Some(0o600),
            Existing::Refuse,
        )?;
    }
    ignore_dotenv(&dir)?;
    let build_rs = write_build_script(&dir)?;
    if !global.quiet {
        match &build_rs {
            BuildScript::Written => eprintln!("Wrote {} so that embed!() re-runs when a migration is added", dir.join("build.rs").display()),
            BuildScript::Existing => eprintln!(
                "{} exists: add println!(\"cargo:rerun-if-changed=schema.ini\") and println!(\"cargo:rerun-if-changed=migrations\") to it, so that embed!() sees new migrations",
                dir.join("build.rs").display()
            ),
            BuildScript::NotAPackage => {}
        }
        eprintln!(
            "Wrote {}, {} and {}",
            ini.display(),
            dir.join("migrations").display(),
            env_path.display()
        );
        match schema_rs {
            SchemaRs::Written => eprintln!(
                "upgrade, downgrade and stamp keep {} current ([print_schema] file in schema.ini)",
                dir.join("src").join("schema.rs").display()
            ),
            SchemaRs::DieselToml => eprintln!(
                "upgrade, downgrade and stamp keep schema.rs current as {}'s [print_schema] says",
                dir.join("diesel.toml").display()
            ),
            SchemaRs::NotAPackage => eprintln!(
                "note: {} is not a Cargo package: no build.rs and no [print_schema] were written (run init in the package that calls embed!() to get both)",
                dir.display()
            ),
        }
        eprintln!("Next: cargo schema generate -m \"create users\", edit its up.sql and down.sql, then cargo schema upgrade");
    }
    Ok(Outcome::Ok)
}

const HEADER: &str = "\
# cargo-schema configuration: the same format as Alembic's alembic.ini
# (%(here)s is this file's directory; ${NAME} comes from the environment or .env).
[schema]
# The migrations folder (diesel's layout); relative to this file.
script_location = %(here)s/migrations
# One transaction per revision instead of one for the whole run.
transaction_per_migration = false

# Engine options (prefix diesel.): see the guide's configuration chapter.
";

fn template(template: Template, name: &str) -> String {
    let engine = match template {
        Template::Sqlite => "diesel.url = sqlite://%(here)s/app.db\n\
             diesel.echo = false\n\
             diesel.pool_size = 5\n\
             diesel.connect_args.busy_timeout = 5s\n\
             diesel.connect_args.foreign_keys = true\n"
            .to_owned(),
        Template::Postgres => format!(
            "diesel.url = ${{DATABASE_URL}}\n\
             diesel.echo = false\n\
             diesel.pool_size = 5\n\
             diesel.pool_pre_ping = true\n\
             diesel.connect_args.application_name = {name}\n"
        ),
        Template::Mysql => "diesel.url = ${DATABASE_URL}\n\
             diesel.echo = false\n\
             diesel.pool_size = 5\n\
             diesel.connect_args.charset = utf8mb4\n"
            .to_owned(),
        Template::Async => format!(
            "diesel.url = ${{DATABASE_URL}}\n\
             diesel.echo = false\n\
             # A new connection for each use, as Alembic's async template does.\n\
             diesel.poolclass = NullPool\n\
             diesel.connect_args.application_name = {name}\n"
        ),
        Template::Multidb => "diesel.echo = false\n\
             diesel.pool_size = 5\n\
             \n\
             # Several databases, Alembic's multidb layout: upgrade, downgrade, stamp,\n\
             # current and check run on each (--database NAME for some, --jobs N at once).\n\
             # Each listed section has its own diesel.url and may set its own\n\
             # script_location and engine options; the rest comes from this section.\n\
             databases = engine1, engine2\n\
             # For many databases, a file of `NAME URL` lines instead (or as well):\n\
             # databases_file = %(here)s/databases.txt\n\
             \n\
             [engine1]\n\
             diesel.url = sqlite://%(here)s/engine1.db\n\
             \n\
             [engine2]\n\
             diesel.url = sqlite://%(here)s/engine2.db\n"
            .to_owned(),
    };
    format!("{HEADER}{engine}")
}

fn dotenv(template: Template, name: &str) -> String {
    let url = match template {
        Template::Sqlite => "# DATABASE_URL=sqlite://other.db overrides diesel.url".to_owned(),
        // One variable cannot name several databases: each section has its
        // own URL (write `diesel.url = ${ENGINE1_URL}` to keep it here).
        Template::Multidb => {
            "# ENGINE1_URL=postgres://... for `diesel.url = ${ENGINE1_URL}`".to_owned()
        }
        Template::Postgres | Template::Async => {
            format!("DATABASE_URL=postgres://postgres@127.0.0.1:5432/{name}")
        }
        Template::Mysql => format!("DATABASE_URL=mysql://root@127.0.0.1:3306/{name}"),
    };
    format!("# Local settings, not committed (listed in .gitignore).\n{url}\n")
}

/// diesel's `diesel setup` writes `file = "src/schema.rs"`: the same
/// default, so that schema.rs is written and kept current from the first
/// `upgrade`.
const PRINT_SCHEMA: &str = "\
# diesel's schema.rs, written by upgrade, downgrade and stamp (diesel.toml's
# [print_schema] keys; see the guide's schema.rs chapter).
[print_schema]
file = src/schema.rs
";

/// Where schema.rs will come from.
#[derive(PartialEq, Eq)]
enum SchemaRs {
    /// `[print_schema] file = src/schema.rs` in the new schema.ini.
    Written,
    /// The package's diesel.toml has the settings, used as they are.
    DieselToml,
    /// Not a Cargo package: no schema.rs.
    NotAPackage,
}

fn schema_rs_setting(dir: &Path) -> SchemaRs {
    if !dir.join("Cargo.toml").is_file() {
        SchemaRs::NotAPackage
    } else if dir.join("diesel.toml").is_file() {
        SchemaRs::DieselToml
    } else {
        SchemaRs::Written
    }
}

/// What `init` did about the build script.
enum BuildScript {
    Written,
    Existing,
    NotAPackage,
}

/// A proc-macro cannot watch a directory, so a new migration folder would
/// not re-run `embed!()`; a build script that names the folder makes cargo
/// rebuild the crate when anything in it changes.
fn write_build_script(dir: &Path) -> std::io::Result<BuildScript> {
    if !dir.join("Cargo.toml").is_file() {
        return Ok(BuildScript::NotAPackage);
    }
    let path = dir.join("build.rs");
    if std::fs::symlink_metadata(&path).is_ok() {
        return Ok(BuildScript::Existing);
    }
    files::write(&path, BUILD_RS.as_bytes(), Some(0o644), Existing::Refuse)?;
    Ok(BuildScript::Written)
}

const BUILD_RS: &str = "\
//! Written by `cargo schema init`: rebuild (and so re-run `embed!()`) when
//! the configuration or the migrations folder changes, including when a
//! migration folder is added or removed.

fn main() {
    println!(\"cargo:rerun-if-changed=schema.ini\");
    println!(\"cargo:rerun-if-changed=migrations\");
}
";

/// Keep credentials out of version control. The file's bytes are kept as
/// they are (it need not be UTF-8) and `.env` appended; a `.gitignore`
/// that is a link is not written through.
fn ignore_dotenv(dir: &Path) -> std::io::Result<()> {
    let path = dir.join(".gitignore");
    let existing = match std::fs::symlink_metadata(&path) {
        Ok(meta) if meta.file_type().is_symlink() => {
            eprintln!(
                "note: {} is a link; add `.env` to it yourself",
                path.display()
            );
            return Ok(());
        }
        Ok(_) => std::fs::read(&path)
            .map_err(|e| std::io::Error::new(e.kind(), format!("{}: {e}", path.display())))?,
        Err(_) => Vec::new(),
    };
    if existing
        .split(|&b| b == b'\n')
        .any(|l| matches!(l.trim_ascii(), b".env" | b"/.env"))
    {
        return Ok(());
    }
    let mut bytes = existing;
    if !bytes.is_empty() && !bytes.ends_with(b"\n") {
        bytes.push(b'\n');
    }
    bytes.extend_from_slice(b".env\n");
    files::write(&path, &bytes, Some(0o644), Existing::Replace)
}

/// `init` options.
#[derive(Debug, Args)]
pub struct InitArgs {
    /// Directory to initialise [default: the package root].
    pub dir: Option<PathBuf>,
    /// Which database the new schema.ini points at.
    #[arg(long, value_enum, default_value_t)]
    pub template: Template,
}

/// `init --template`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, ValueEnum)]
pub enum Template {
    /// SQLite, bundled: nothing to install.
    #[default]
    Sqlite,
    /// PostgreSQL, URL from DATABASE_URL.
    Postgres,
    /// MySQL/MariaDB, URL from DATABASE_URL.
    Mysql,
    /// PostgreSQL for an async app (NullPool, as Alembic's async template).
    Async,
    /// Several databases, Alembic's multidb layout: `databases = engine1,
    /// engine2` and a section with its own URL for each (SQLite files to
    /// start with).
    Multidb,
}
