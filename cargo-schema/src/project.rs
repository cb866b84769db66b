//! Finding the project and its ini file, and loading the configuration with
//! every command-line override applied. Every command starts here.

use std::path::{Path, PathBuf};

use cargo_metadata::MetadataCommand;
use schema_core::ini::SetBy;
use schema_core::{Config, ConfigError, Diagnostic, Environment, Kind};

use crate::cli::GlobalArgs;

/// The name of the ini file a package keeps at its root.
pub const CONFIG_FILE: &str = "schema.ini";

/// Where the configuration lives.
#[derive(Debug, Clone)]
pub struct Located {
    /// The ini file (absolute).
    pub config_path: PathBuf,
    /// The package (or workspace) root, for `.env`.
    pub root: PathBuf,
}

/// Find the ini file: `-c FILE` as given; otherwise `schema.ini` in the
/// package of the current directory (or of `--manifest-path`), found with
/// `cargo metadata`. At a virtual workspace's root, the one member that has
/// a schema.ini is used.
pub fn locate(args: &GlobalArgs) -> Result<Located, Diagnostic> {
    let cwd = std::env::current_dir().map_err(|e| {
        Diagnostic::new(
            Kind::Project,
            format!("cannot read the current directory: {e}"),
        )
    })?;
    if let Some(config) = &args.config {
        // An explicit file needs no cargo: this keeps `-c` usable outside a
        // Cargo project and start-up cheap.
        let root = match &args.manifest_path {
            Some(manifest) => absolute(&cwd, manifest)
                .parent()
                .map_or(cwd.clone(), Path::to_path_buf),
            None => cwd.clone(),
        };
        return Ok(Located {
            config_path: absolute(&cwd, config),
            root,
        });
    }

    let mut command = MetadataCommand::new();
    command.no_deps();
    if let Some(manifest) = &args.manifest_path {
        command.manifest_path(manifest);
    }
    let metadata = command.exec().map_err(|e| {
        Diagnostic::new(
            Kind::Project,
            format!(
                "cannot find the Cargo project ({}); run inside a Cargo project, pass --manifest-path, or name the ini file with -c",
                first_line(&e.to_string())
            ),
        )
    })?;

    let manifest_dir = |p: &cargo_metadata::Package| {
        p.manifest_path
            .parent()
            .map(|d| d.as_std_path().to_path_buf())
    };
    let package_dir = match &args.manifest_path {
        Some(manifest) => {
            let wanted = absolute(&cwd, manifest);
            let wanted = wanted.canonicalize().unwrap_or(wanted);
            metadata
                .packages
                .iter()
                .find(|p| {
                    p.manifest_path
                        .as_std_path()
                        .canonicalize()
                        .is_ok_and(|m| m == wanted)
                })
                .and_then(manifest_dir)
        }
        None => metadata
            .workspace_packages()
            .into_iter()
            .filter_map(manifest_dir)
            .filter(|dir| cwd.starts_with(dir))
            .max_by_key(|dir| dir.components().count()),
    };
    if let Some(dir) = package_dir {
        return Ok(Located {
            config_path: dir.join(CONFIG_FILE),
            root: dir,
        });
    }

    // A virtual workspace's root: its own schema.ini, else the one member
    // that has one.
    let root = metadata.workspace_root.as_std_path().to_path_buf();
    if root.join(CONFIG_FILE).is_file() {
        return Ok(Located {
            config_path: root.join(CONFIG_FILE),
            root,
        });
    }
    let candidates: Vec<PathBuf> = metadata
        .workspace_packages()
        .into_iter()
        .filter_map(manifest_dir)
        .filter(|dir| dir.join(CONFIG_FILE).is_file())
        .collect();
    match candidates.as_slice() {
        [only] => Ok(Located {
            config_path: only.join(CONFIG_FILE),
            root: only.clone(),
        }),
        [] => Ok(Located {
            config_path: root.join(CONFIG_FILE),
            root,
        }),
        several => Err(Diagnostic::new(
            Kind::Project,
            format!(
                "several workspace members have a {CONFIG_FILE} ({}); choose one with --manifest-path or -c",
                several
                    .iter()
                    .map(|d| d.strip_prefix(&root).unwrap_or(d).display().to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        )),
    }
}

fn absolute(cwd: &Path, path: &Path) -> PathBuf {
    if path.is_absolute() {
        path.to_owned()
    } else {
        cwd.join(path)
    }
}

fn first_line(text: &str) -> &str {
    text.lines()
        .find(|l| !l.trim().is_empty())
        .unwrap_or(text)
        .trim()
}

/// The configuration, with `-x`, `--set-section` and `--database-url`
/// applied, and the environment (process over `.env` next to the ini, over
/// `.env` in the project root).
pub struct Loaded {
    /// Where it was found.
    pub located: Located,
    /// The configuration with overrides.
    pub config: Config,
    /// The environment to resolve it against.
    pub env: Environment,
}

/// Read the configuration that `args` points at.
pub fn load(args: &GlobalArgs, located: Located) -> Result<Loaded, ConfigError> {
    let mut config = Config::from_file_with_section(&located.config_path, args.name.as_deref())?;
    let mut problems = Vec::new();
    for pair in &args.set {
        match split_pair(pair) {
            Ok((key, value)) => config.set_main_option_by(key, value, SetBy::CommandLine),
            Err(d) => problems.push(d),
        }
    }
    for chunk in args.set_section.chunks(2) {
        let [section, pair] = chunk else { continue };
        match split_pair(pair) {
            Ok((key, value)) => {
                if let Err(e) =
                    config.set_section_option_by(section, key, value, SetBy::CommandLine)
                {
                    problems.extend(e.diagnostics().iter().cloned());
                }
            }
            Err(d) => problems.push(d),
        }
    }
    if let Some(url) = &args.database_url {
        let prefix = schema_core::engine::detect_prefix(&config, config.config_ini_section());
        config.set_main_option_by(&format!("{prefix}url"), url, SetBy::DatabaseUrlFlag);
    }
    if let Ok(error) = ConfigError::try_from(problems) {
        return Err(error);
    }

    let mut env = Environment::from_process();
    let ini_dir = located.config_path.parent().map(Path::to_path_buf);
    for dir in ini_dir.iter().chain([&located.root]) {
        env.load_dotenv(&dir.join(".env"))?;
    }
    Ok(Loaded {
        located,
        config,
        env,
    })
}

fn split_pair(pair: &str) -> Result<(&str, &str), Diagnostic> {
    match pair.split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => Ok((key.trim(), value)),
        _ => Err(Diagnostic::new(
            Kind::InvalidOverride,
            format!(
                "`{}` is not KEY=VALUE; write for example -x diesel.pool_size=10",
                schema_core::secret::mask_urls(pair)
            ),
        )),
    }
}
