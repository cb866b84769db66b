//! A new revision (`generate`, `merge`): its folder name and files, computed
//! without touching the disk. The caller passes the clock and the
//! randomness, so the result is deterministic in tests.

use super::checksum::Checksum;
use super::error::MigrationError;
use super::folder::diesel_version;
use super::graph::RevisionGraph;
use super::set::{identifier_problem, Migration, MigrationSet};
use super::target::Target;

/// A UTC time, as the caller's clock gives it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Timestamp {
    /// Year, e.g. 2024.
    pub year: u16,
    /// 1..=12.
    pub month: u8,
    /// 1..=31.
    pub day: u8,
    /// 0..=23.
    pub hour: u8,
    /// 0..=59.
    pub minute: u8,
    /// 0..=60 (a leap second is accepted).
    pub second: u8,
}

impl Timestamp {
    fn check(&self) -> Result<(), MigrationError> {
        let ok = (1..=12).contains(&self.month)
            && (1..=31).contains(&self.day)
            && self.hour < 24
            && self.minute < 60
            && self.second <= 60
            && self.year <= 9999;
        if ok {
            Ok(())
        } else {
            Err(MigrationError::InvalidGenerate {
                reason: format!("the timestamp {self:?} is not a valid UTC date and time"),
            })
        }
    }

    /// diesel_cli's version format, `%Y-%m-%d-%H%M%S`.
    fn diesel_format(&self) -> String {
        format!(
            "{:04}-{:02}-{:02}-{:02}{:02}{:02}",
            self.year, self.month, self.day, self.hour, self.minute, self.second
        )
    }
}

/// What `generate` was asked for.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GenerateOptions {
    /// The revision's message; its slug names the folder.
    pub message: String,
    /// `--head`: the parent(s). Empty means the single current head; `base`
    /// starts a new root; several make a merge point.
    pub head: Vec<Target>,
    /// `--splice`: allow a parent that is not a head (a new branch).
    pub splice: bool,
    /// `--branch-label`.
    pub branch_labels: Vec<String>,
    /// `--depends-on`: revision ids (partial ones are completed) or labels.
    pub depends_on: Vec<String>,
    /// `--rev-id`: use this id instead of a random one.
    pub rev_id: Option<String>,
    /// `--empty`: SQL files that run nothing (as for a merge).
    pub empty: bool,
    /// Write no `down.sql` (the revision cannot be downgraded).
    pub no_down: bool,
    /// SQL to put in `up.sql` (from autogenerate).
    pub up_sql: Option<String>,
    /// SQL to put in `down.sql` (from autogenerate).
    pub down_sql: Option<String>,
    /// The SQL manages its own transaction: `run_in_transaction = false`.
    pub own_transaction: bool,
}

/// One file of a generated migration folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct GeneratedFile {
    /// `metadata.toml`, `up.sql` or `down.sql`.
    pub name: &'static str,
    /// Its text.
    pub contents: String,
}

/// A new migration folder to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Generated {
    /// `<YYYY-MM-DD-HHMMSS-NNNN>_<slug>`, diesel_cli's format.
    pub folder_name: String,
    /// The new revision id.
    pub revision: String,
    /// Its parents.
    pub down_revisions: Vec<String>,
    /// The files, in the order to write them.
    pub files: Vec<GeneratedFile>,
}

/// A 12-hex-digit revision id from `seed` (Alembic's ids are 12 hex
/// digits of a uuid4); splitmix64 spreads consecutive seeds.
fn rev_id_from(seed: u64) -> String {
    let mut z = seed.wrapping_add(0x9e37_79b9_7f4a_7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^= z >> 31;
    format!("{:012x}", z & 0xffff_ffff_ffff)
}

/// The folder-name slug of a message: lowercase ASCII words joined by `_`,
/// cut at a word boundary near 40 characters (Alembic's default).
pub fn slug(message: &str) -> String {
    let mut out = String::new();
    for word in message
        .split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
    {
        if !out.is_empty() && out.len() + 1 + word.len() > 40 {
            break;
        }
        if !out.is_empty() {
            out.push('_');
        }
        out.push_str(&word.to_ascii_lowercase());
    }
    out.truncate(40);
    if out.is_empty() {
        "revision".into()
    } else {
        out
    }
}

impl RevisionGraph {
    /// Computes a new revision's folder and files.
    ///
    /// `entropy` seeds the revision id (pass random bits); the id is redrawn
    /// while it collides with an existing id, label or version. The folder's
    /// version is the timestamp plus a 4-hex-digit counter, bumped past every
    /// folder of the same second so that two revisions generated in one
    /// second keep their order.
    pub fn generate(
        &self,
        opts: &GenerateOptions,
        now: Timestamp,
        entropy: u64,
    ) -> Result<Generated, MigrationError> {
        now.check()?;
        // Every line break written as `\n`: a CR ends a `--` comment for
        // psql and the servers but not for this tool's splitter, so a
        // message's later lines must never reach a comment raw.
        let normalised;
        let opts = if opts.message.contains('\r') {
            normalised = GenerateOptions {
                message: opts.message.replace("\r\n", "\n").replace('\r', "\n"),
                ..opts.clone()
            };
            &normalised
        } else {
            opts
        };
        if let Some(c) = opts
            .message
            .chars()
            .find(|&c| c != '\n' && c != '\t' && crate::text::is_unsafe_char(c))
        {
            return Err(MigrationError::InvalidGenerate {
                reason: format!(
                    "-m: the message holds the control character `{}`; write it without",
                    crate::text::escaped_char(c)
                ),
            });
        }
        let parents = self.generate_parents(opts)?;
        let depends_on = opts
            .depends_on
            .iter()
            .map(|d| match self.by_label(d) {
                Some(_) => Ok(d.clone()),
                None => self.resolve_revision(d).map(|m| m.revision.clone()),
            })
            .collect::<Result<Vec<_>, _>>()?;
        let revision = self.new_rev_id(opts.rev_id.as_deref(), entropy)?;
        let folder_name = format!(
            "{}_{}",
            self.next_version_prefix(now, &parents)?,
            slug(&opts.message)
        );
        let down_revisions: Vec<String> = parents
            .iter()
            .map(|&i| self.migrations[i].revision.clone())
            .collect();

        let files = self.render(opts, now, &revision, &down_revisions, &depends_on);
        let up_sql = files
            .iter()
            .find(|f| f.name == "up.sql")
            .map(|f| f.contents.clone())
            .unwrap_or_default();
        let new = Migration {
            version: diesel_version(&folder_name)
                .map_err(|reason| MigrationError::InvalidGenerate { reason })?,
            folder_name: folder_name.clone(),
            revision: revision.clone(),
            down_revisions: down_revisions.clone(),
            branch_labels: opts.branch_labels.clone(),
            depends_on,
            message: Some(opts.message.clone()),
            run_in_transaction: true,
            statement_timeout: None,
            statement_lock_timeout: None,
            checksum: Checksum::of_sql(&up_sql),
            up_sql,
            down_sql: None,
            dir: None,
            linked_by_version: false,
            sqlx: None,
        };
        for label in &new.branch_labels {
            if let Some(reason) = identifier_problem(label) {
                return Err(MigrationError::InvalidIdentifier {
                    folder: folder_name,
                    what: "branch label",
                    id: label.clone(),
                    reason,
                });
            }
        }
        self.check_with(new)?;
        Ok(Generated {
            folder_name,
            revision,
            down_revisions,
            files,
        })
    }

    /// A merge revision joining `revisions` (Alembic's `merge`): an empty
    /// revision whose `down_revision` lists them.
    pub fn merge(
        &self,
        revisions: &[Target],
        message: &str,
        now: Timestamp,
        entropy: u64,
    ) -> Result<Generated, MigrationError> {
        let nodes = self.resolve_parents(revisions)?;
        if nodes.len() < 2 {
            return Err(MigrationError::InvalidMerge {
                revisions: revisions.iter().map(Target::to_string).collect(),
                reason: "a merge needs at least two heads; run `cargo schema heads`".into(),
            });
        }
        let opts = GenerateOptions {
            message: message.to_string(),
            head: nodes
                .iter()
                .map(|&i| self.migrations[i].revision.parse())
                .collect::<Result<_, _>>()?,
            empty: true,
            ..GenerateOptions::default()
        };
        self.generate(&opts, now, entropy)
    }

    fn resolve_parents(&self, asked: &[Target]) -> Result<Vec<usize>, MigrationError> {
        let mut nodes = Vec::new();
        for h in asked {
            for m in self.resolve(h)? {
                let i = self.index(&m.revision).unwrap_or_default();
                if nodes.contains(&i) {
                    return Err(MigrationError::InvalidMerge {
                        revisions: asked.iter().map(Target::to_string).collect(),
                        reason: format!("{} is given twice", m.describe()),
                    });
                }
                nodes.push(i);
            }
        }
        for &a in &nodes {
            let below = self.ancestors_mask(&[a], true);
            if let Some(&b) = nodes.iter().find(|&&b| b != a && below[b]) {
                return Err(MigrationError::InvalidMerge {
                    revisions: asked.iter().map(Target::to_string).collect(),
                    reason: format!(
                        "{} is already an ancestor of {}",
                        self.describe(b),
                        self.describe(a)
                    ),
                });
            }
        }
        Ok(nodes)
    }

    fn generate_parents(&self, opts: &GenerateOptions) -> Result<Vec<usize>, MigrationError> {
        if opts.head.is_empty() {
            let heads = self.head_nodes();
            if heads.len() > 1 {
                return Err(MigrationError::GenerateMultipleHeads {
                    heads: self.describe_all(&heads),
                });
            }
            return Ok(heads);
        }
        let nodes = self.resolve_parents(&opts.head)?;
        if !opts.splice {
            if let Some(&i) = nodes.iter().find(|&&i| !self.children[i].is_empty()) {
                return Err(MigrationError::NotAHead {
                    revision: self.migrations[i].revision.clone(),
                    folder: self.migrations[i].folder_name.clone(),
                });
            }
        }
        Ok(nodes)
    }

    fn new_rev_id(&self, wanted: Option<&str>, entropy: u64) -> Result<String, MigrationError> {
        let taken = |id: &str| self.lookup_exact(id);
        if let Some(id) = wanted {
            if let Some(reason) = identifier_problem(id) {
                return Err(MigrationError::InvalidGenerate {
                    reason: format!("--rev-id `{}`: {reason}", crate::text::escape_controls(id)),
                });
            }
            if taken(id) {
                return Err(MigrationError::InvalidGenerate {
                    reason: format!(
                        "--rev-id `{id}` is already a revision, label or version; choose another"
                    ),
                });
            }
            return Ok(id.to_string());
        }
        let mut seed = entropy;
        loop {
            let id = rev_id_from(seed);
            if !taken(&id) {
                return Ok(id);
            }
            seed = seed.wrapping_add(1);
        }
    }

    fn lookup_exact(&self, id: &str) -> bool {
        self.get(id).is_some() || self.by_label(id).is_some() || self.by_version(id).is_some()
    }

    /// `YYYY-MM-DD-HHMMSS-NNNN` with NNNN one past the highest counter
    /// already used in that second; or, when that would sort before a
    /// parent or before a folder without metadata.toml, the version of the
    /// last of those followed by `-NNNN`.
    fn next_version_prefix(
        &self,
        now: Timestamp,
        parents: &[usize],
    ) -> Result<String, MigrationError> {
        let stamp = now.diesel_format();
        let prefix = self.timestamp_prefix(&stamp)?;
        let digits: String = prefix.chars().filter(|&c| c != '-').collect();
        // diesel applies folders in version order, and a folder without
        // metadata.toml is linked to the folder before it by that order: a
        // new revision sorting before its parent would run before it under
        // diesel_cli, and one sorting before such a folder would become its
        // parent (a cycle when that folder is the head).
        let floor = parents
            .iter()
            .map(|&i| &self.migrations[i])
            .chain(self.migrations.iter().filter(|m| m.linked_by_version))
            .map(|m| (m.version.as_str(), m.folder_name.as_str()))
            .max();
        if let Some((version, folder)) = floor.filter(|(v, _)| *v > digits.as_str()) {
            let prefix = folder.split('_').next().unwrap_or(version);
            // A counter of ours already there is bumped, not stacked.
            let base = match prefix.rsplit_once('-') {
                Some((base, n)) if n.len() == 4 && n.chars().all(|c| c.is_ascii_hexdigit()) => base,
                _ => prefix,
            };
            for counter in 0..=0xffffu32 {
                let candidate = format!("{base}-{counter:04x}");
                let v: String = candidate.chars().filter(|&c| c != '-').collect();
                if v.as_str() > version && self.by_version(&v).is_none() {
                    return Ok(candidate);
                }
            }
            return Err(MigrationError::InvalidGenerate {
                reason: format!("65536 migrations already follow {folder}"),
            });
        }
        Ok(prefix)
    }

    fn timestamp_prefix(&self, stamp: &str) -> Result<String, MigrationError> {
        let digits: String = stamp.chars().filter(|&c| c != '-').collect();
        let used = self
            .migrations
            .iter()
            .filter_map(|m| m.version.strip_prefix(digits.as_str()))
            .map(|rest| {
                if rest.is_empty() {
                    Some(0)
                } else {
                    u32::from_str_radix(rest, 16).ok().map(|n| n + 1)
                }
            })
            .max();
        let next = match used {
            None => 0,
            Some(None) => {
                return Err(MigrationError::InvalidGenerate {
                    reason: format!("a folder of {stamp} has a version this tool cannot extend; wait a second and retry"),
                })
            }
            Some(Some(n)) => n,
        };
        if next > 0xffff {
            return Err(MigrationError::InvalidGenerate {
                reason: format!(
                    "65536 migrations already exist for {stamp}; wait a second and retry"
                ),
            });
        }
        Ok(format!("{stamp}-{next:04x}"))
    }

    fn render(
        &self,
        opts: &GenerateOptions,
        now: Timestamp,
        revision: &str,
        down: &[String],
        depends_on: &[String],
    ) -> Vec<GeneratedFile> {
        let q = |s: &str| toml::Value::String(s.to_string()).to_string();
        let list = |items: &[String]| {
            format!(
                "[{}]",
                items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ")
            )
        };
        let mut meta =
            String::from("# This revision's place in the revision graph (Alembic's model).\n");
        meta += &format!("revision = {}\n", q(revision));
        match down {
            [] => meta += "# no down_revision: this revision is a base\n",
            [one] => meta += &format!("down_revision = {}\n", q(one)),
            many => meta += &format!("down_revision = {}\n", list(many)),
        }
        if !opts.branch_labels.is_empty() {
            meta += &format!("branch_labels = {}\n", list(&opts.branch_labels));
        }
        if !depends_on.is_empty() {
            meta += &format!("depends_on = {}\n", list(depends_on));
        }
        meta += &format!("message = {}\n", q(&opts.message));
        // diesel reads a missing run_in_transaction as false once a
        // metadata.toml exists; say it, so diesel's own harness (diesel_cli,
        // embed_migrations!) also runs the revision in a transaction.
        if opts.own_transaction {
            meta += "# The SQL opens its own transaction (SQLite's table rebuild must\n# turn foreign keys off, which a transaction cannot).\n";
            meta += "run_in_transaction = false\n";
        } else {
            meta += "run_in_transaction = true\n";
        }

        let header = format!(
            "-- {}\n--\n-- Revision ID: {revision}\n-- Revises: {}\n-- Create Date: {:04}-{:02}-{:02} {:02}:{:02}:{:02} UTC\n\n",
            crate::sql::comment_text(opts.message.lines().next().unwrap_or_default()),
            super::parents_display(down),
            now.year, now.month, now.day, now.hour, now.minute, now.second,
        );
        let body = |intro: &str, sql: &Option<String>| {
            if opts.empty {
                "-- This revision runs no SQL.\n".to_string()
            } else {
                match sql {
                    // Autogenerated SQL brings its own opening comment.
                    Some(sql) if sql.ends_with('\n') => sql.clone(),
                    Some(sql) => format!("{sql}\n"),
                    None => intro.to_string(),
                }
            }
        };
        let mut files = vec![
            GeneratedFile {
                name: "metadata.toml",
                contents: meta,
            },
            GeneratedFile {
                name: "up.sql",
                contents: header.clone() + &body("-- Your SQL goes here\n", &opts.up_sql),
            },
        ];
        if !opts.no_down {
            files.push(GeneratedFile {
                name: "down.sql",
                contents: header
                    + &body(
                        "-- This file should undo anything in `up.sql`\n",
                        &opts.down_sql,
                    ),
            });
        }
        files
    }

    /// Validates the graph with `new` added, linking metadata-less folders
    /// after it exactly as a load would.
    fn check_with(&self, new: Migration) -> Result<(), MigrationError> {
        let mut all = self.migrations.clone();
        let pos = all.partition_point(|m| m.version < new.version);
        all.insert(pos, new);
        let mut previous: Option<String> = None;
        for m in &mut all {
            if m.linked_by_version {
                m.down_revisions = previous.iter().cloned().collect();
            }
            previous = Some(m.revision.clone());
        }
        RevisionGraph::new(MigrationSet::from_sorted(all))
            .map(|_| ())
            .map_err(|errors| {
                errors
                    .into_iter()
                    .next()
                    .unwrap_or(MigrationError::InvalidGenerate {
                        reason: "the new revision does not fit the graph".into(),
                    })
            })
    }
}
