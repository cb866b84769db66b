#!/usr/bin/env python3
"""Generate a cargo-schema project of N revisions for the benchmarks.

    bench/gen.py DIR N URL [--per-migration]

writes DIR/schema.ini (URL, transaction_per_migration) and DIR/migrations/
with N revisions in a linear chain. Each revision's up.sql creates a table
of several columns, adds a column to the previous revision's table, indexes
the new table and inserts three rows; its down.sql undoes exactly that. The
SQL is valid on SQLite, PostgreSQL and MariaDB alike, so the same folder
runs on all three.
"""

import hashlib
import os
import sys


def revision_id(i: int) -> str:
    return hashlib.sha1(f"bench-{i}".encode()).hexdigest()[:12]


def folder_name(i: int) -> str:
    # diesel version 20260101 + a 6-digit counter: sorts like the chain.
    return f"2026-01-01-{i:06d}_create_t{i:06d}"


def up_sql(i: int) -> str:
    t = f"t{i:06d}"
    lines = [
        f"-- revision {i}: a table, a column on the previous one, an index, seed rows",
        f"CREATE TABLE {t} (",
        "    id INTEGER NOT NULL PRIMARY KEY,",
        "    name VARCHAR(100) NOT NULL,",
        "    email VARCHAR(255),",
        "    score INTEGER NOT NULL DEFAULT 0,",
        "    active BOOLEAN NOT NULL DEFAULT TRUE,",
        "    created_at TIMESTAMP NULL",
        ");",
    ]
    target = f"t{i - 1:06d}" if i > 1 else t
    lines.append(f"ALTER TABLE {target} ADD COLUMN extra_{i:06d} VARCHAR(64);")
    lines.append(f"CREATE INDEX ix_{t}_name ON {t} (name);")
    lines.append(
        f"INSERT INTO {t} (id, name, email, score) VALUES "
        f"(1, 'alice', 'alice@example.com', 10), "
        f"(2, 'bob', 'bob@example.com', 20), "
        f"(3, 'carol', NULL, 30);"
    )
    return "\n".join(lines) + "\n"


def down_sql(i: int) -> str:
    t = f"t{i:06d}"
    lines = []
    if i > 1:
        lines.append(f"ALTER TABLE t{i - 1:06d} DROP COLUMN extra_{i:06d};")
    lines.append(f"DROP TABLE {t};")
    return "\n".join(lines) + "\n"


def metadata(i: int) -> str:
    out = [f'revision = "{revision_id(i)}"']
    if i > 1:
        out.append(f'down_revision = "{revision_id(i - 1)}"')
    out.append(f'message = "create t{i:06d}"')
    return "\n".join(out) + "\n"


def main() -> None:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if len(args) != 3:
        sys.exit(__doc__)
    root, n, url = args[0], int(args[1]), args[2]
    per_migration = "--per-migration" in sys.argv
    migrations = os.path.join(root, "migrations")
    os.makedirs(migrations, exist_ok=True)
    with open(os.path.join(root, "schema.ini"), "w") as f:
        f.write(
            "[schema]\n"
            "script_location = %(here)s/migrations\n"
            f"transaction_per_migration = {'true' if per_migration else 'false'}\n"
            f"diesel.url = {url}\n"
        )
    for i in range(1, n + 1):
        d = os.path.join(migrations, folder_name(i))
        os.makedirs(d, exist_ok=True)
        for name, text in (
            ("up.sql", up_sql(i)),
            ("down.sql", down_sql(i)),
            ("metadata.toml", metadata(i)),
        ):
            with open(os.path.join(d, name), "w") as f:
                f.write(text)


if __name__ == "__main__":
    main()
