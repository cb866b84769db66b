//! Which server speaks a backend's protocol, recognised from its version
//! string: CockroachDB and YugabyteDB speak PostgreSQL's, TiDB MySQL's, and
//! each lacks something the runner otherwise relies on (advisory locks,
//! transactional DDL). A MariaDB (or Percona) Galera node says so in
//! `wsrep_on`, not in its version: the MySQL dialect appends
//! [`GALERA_MARK`] to the version string it reports when that is ON. The
//! runner asks once per run, and only when the `lock` or
//! `transactional_ddl` key is not set.

use std::fmt;

use super::Backend;

/// The server behind a connection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Flavor {
    /// SQLite.
    Sqlite,
    /// PostgreSQL itself.
    Postgres,
    /// CockroachDB: no advisory locks (cockroachdb/cockroach issue 13546);
    /// schema changes are best run outside explicit transactions.
    Cockroach,
    /// YugabyteDB: advisory locks only behind a preview flag; DDL runs each
    /// statement in its own transaction by default.
    Yugabyte,
    /// MySQL or MariaDB.
    Mysql,
    /// TiDB: MySQL's protocol and its `GET_LOCK` (cluster-wide), DDL not
    /// transactional.
    Tidb,
    /// A Galera cluster node (`wsrep_on` = ON): `GET_LOCK` holds on one
    /// node only, so runners on two nodes would both hold it; the lease
    /// row, written through the cluster, holds across it.
    Galera,
}

/// What the MySQL dialect appends to `version()` on a node whose
/// `wsrep_on` is ON, so the flavor is told from one string.
pub const GALERA_MARK: &str = " (wsrep_on)";

impl Flavor {
    /// The flavor of a `backend` server whose `SELECT version()` returned
    /// `version`; anything not recognised is the backend itself.
    ///
    /// ```
    /// use schema_core::url::{Backend, Flavor};
    /// let v = "CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built 2023/09/27 01:53:43, go1.19.10)";
    /// assert_eq!(Flavor::recognise(Backend::Postgres, v), Flavor::Cockroach);
    /// ```
    pub fn recognise(backend: Backend, version: &str) -> Flavor {
        match backend {
            Backend::Sqlite => Flavor::Sqlite,
            Backend::Postgres if version.starts_with("CockroachDB") => Flavor::Cockroach,
            // YugabyteDB reports the PostgreSQL it forked, then `-YB-` and
            // its own version: "PostgreSQL 11.2-YB-2.20.1.0-b0 on ...".
            Backend::Postgres if version.contains("-YB-") => Flavor::Yugabyte,
            Backend::Postgres => Flavor::Postgres,
            // "8.0.11-TiDB-v7.5.0"
            Backend::Mysql if version.contains("TiDB") => Flavor::Tidb,
            Backend::Mysql if version.ends_with(GALERA_MARK) => Flavor::Galera,
            Backend::Mysql => Flavor::Mysql,
        }
    }

    /// Whether the server has the advisory lock the runner takes by
    /// default (`pg_try_advisory_lock`, `GET_LOCK`, SQLite's write lock).
    /// TiDB's `GET_LOCK` holds across its cluster, so it keeps the default.
    pub const fn advisory_locks(self) -> bool {
        !matches!(self, Flavor::Cockroach | Flavor::Yugabyte | Flavor::Galera)
    }

    /// Whether DDL takes part in transactions, so a run can land whole or
    /// not at all.
    pub const fn transactional_ddl(self) -> bool {
        matches!(self, Flavor::Sqlite | Flavor::Postgres)
    }

    /// The backend whose protocol it speaks.
    pub const fn backend(self) -> Backend {
        match self {
            Flavor::Sqlite => Backend::Sqlite,
            Flavor::Postgres | Flavor::Cockroach | Flavor::Yugabyte => Backend::Postgres,
            Flavor::Mysql | Flavor::Tidb | Flavor::Galera => Backend::Mysql,
        }
    }
}

impl fmt::Display for Flavor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Flavor::Sqlite => "SQLite",
            Flavor::Postgres => "PostgreSQL",
            Flavor::Cockroach => "CockroachDB",
            Flavor::Yugabyte => "YugabyteDB",
            Flavor::Mysql => "MySQL/MariaDB",
            Flavor::Tidb => "TiDB",
            Flavor::Galera => "a Galera cluster",
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Version strings as each engine's documentation shows them.
    #[test]
    fn real_version_strings() {
        let cases = [
            // PostgreSQL docs, version(): the server's version string.
            (Backend::Postgres, "PostgreSQL 16.4 (Debian 16.4-1.pgdg120+2) on x86_64-pc-linux-gnu, compiled by gcc (Debian 12.2.0-14) 12.2.0, 64-bit", Flavor::Postgres),
            // CockroachDB docs, "version()".
            (Backend::Postgres, "CockroachDB CCL v23.1.11 (x86_64-pc-linux-gnu, built 2023/09/27 01:53:43, go1.19.10)", Flavor::Cockroach),
            (Backend::Postgres, "CockroachDB OSS v2.1.0 (x86_64-unknown-linux-gnu, built 2018/10/30 15:01:20, go1.10.3)", Flavor::Cockroach),
            // YugabyteDB docs, "SELECT version();" in YSQL.
            (Backend::Postgres, "PostgreSQL 11.2-YB-2.20.1.0-b0 on x86_64-pc-linux-gnu, compiled by clang version 16.0.6 (https://github.com/yugabyte/llvm-project.git 1e6329f40e5c531c09ade7015278078682293ebd), 64-bit", Flavor::Yugabyte),
            (Backend::Postgres, "PostgreSQL 15.2-YB-2.25.0.0-b0 on x86_64-pc-linux-gnu, compiled by clang version 17.0.6, 64-bit", Flavor::Yugabyte),
            // MariaDB and MySQL docs, VERSION().
            (Backend::Mysql, "10.11.6-MariaDB-0+deb12u1", Flavor::Mysql),
            (Backend::Mysql, "8.0.36", Flavor::Mysql),
            // TiDB docs, "SELECT VERSION()".
            (Backend::Mysql, "8.0.11-TiDB-v7.5.0", Flavor::Tidb),
            (Backend::Mysql, "5.7.25-TiDB-v6.5.0", Flavor::Tidb),
            // What the MySQL dialect reports for a node with wsrep_on.
            (Backend::Mysql, "10.11.6-MariaDB-0+deb12u1 (wsrep_on)", Flavor::Galera),
            (Backend::Sqlite, "3.45.1", Flavor::Sqlite),
        ];
        for (backend, version, flavor) in cases {
            assert_eq!(Flavor::recognise(backend, version), flavor, "{version}");
            assert_eq!(flavor.backend(), backend);
        }
    }

    #[test]
    fn what_each_flavor_lacks() {
        for flavor in [Flavor::Cockroach, Flavor::Yugabyte] {
            assert!(!flavor.advisory_locks(), "{flavor}");
            assert!(!flavor.transactional_ddl(), "{flavor}");
        }
        assert!(Flavor::Tidb.advisory_locks() && !Flavor::Tidb.transactional_ddl());
        assert!(Flavor::Postgres.advisory_locks() && Flavor::Postgres.transactional_ddl());
        assert!(Flavor::Mysql.advisory_locks() && !Flavor::Mysql.transactional_ddl());
    }
}
