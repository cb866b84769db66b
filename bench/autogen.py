#!/usr/bin/env python3
"""A project of 40 tables for timing `generate --autogenerate`.

    bench/autogen.py DIR URL

writes DIR/schema.ini (URL), DIR/migrations/ with one revision that creates
40 tables of 7 columns (a chain of foreign keys), and DIR/desired.rs: the
schema.rs of those tables with changes diesel's --diff-schema also makes
(10 columns added, 10 dropped, 2 tables added, 2 dropped) and ones only
cargo-schema makes in place (10 type changes, 5 nullability changes).
The SQL is valid on SQLite, PostgreSQL and MariaDB alike. Then:

    cargo schema -c DIR/schema.ini upgrade
    hyperfine -N "cargo-schema -c DIR/schema.ini generate --autogenerate \
        -m x --schema-file DIR/desired.rs --sql"
"""

import os
import sys

TABLES = 40


def up_sql() -> str:
    out = []
    for i in range(TABLES):
        parent = f",\n    FOREIGN KEY (parent_id) REFERENCES t{i - 1:02d} (id)" if i else ""
        out.append(
            f"CREATE TABLE t{i:02d} (\n"
            f"    id INTEGER NOT NULL PRIMARY KEY,\n"
            f"    parent_id INTEGER{' NOT NULL' if i else ''},\n"
            f"    name VARCHAR(80) NOT NULL,\n"
            f"    score INTEGER,\n"
            f"    note TEXT,\n"
            f"    flag BOOLEAN NOT NULL,\n"
            f"    created DATE{parent}\n"
            f");\n"
        )
    return "\n".join(out)


def down_sql() -> str:
    return "".join(f"DROP TABLE t{i:02d};\n" for i in reversed(range(TABLES)))


def desired(sqlite: bool) -> str:
    varchar = "Text" if sqlite else "Varchar"
    length = "" if sqlite else "        #[max_length = 80]\n"
    out = []
    joins = []
    for i in range(TABLES):
        if 36 <= i:
            continue  # dropped (the last of the chain, so no key points at them)
        cols = [
            "        id -> Integer,\n",
            f"        parent_id -> {'Integer' if i else 'Nullable<Integer>'},\n",
            f"{length}        name -> {varchar},\n",
            f"        score -> {'Nullable<BigInt>' if i < 10 else 'Nullable<Integer>'},\n",
        ]
        if not 10 <= i < 20:
            cols.append("        note -> Nullable<Text>,\n")
        cols.append(f"        flag -> {'Nullable<Bool>' if 20 <= i < 25 else 'Bool'},\n")
        cols.append("        created -> Nullable<Date>,\n")
        if 25 <= i < 35:
            cols.append("        extra -> Nullable<Text>,\n")
        out.append(f"diesel::table! {{\n    t{i:02d} (id) {{\n{''.join(cols)}    }}\n}}\n\n")
        if i:
            joins.append(f"diesel::joinable!(t{i:02d} -> t{i - 1:02d} (parent_id));\n")
    for name in ("n00", "n01"):
        out.append(
            f"diesel::table! {{\n    {name} (id) {{\n        id -> Integer,\n"
            f"        t00_id -> Integer,\n        label -> Text,\n    }}\n}}\n\n"
        )
        joins.append(f"diesel::joinable!({name} -> t00 (t00_id));\n")
    return "".join(out) + "".join(joins)


def main() -> None:
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    root, url = sys.argv[1], sys.argv[2]
    folder = os.path.join(root, "migrations", "2026-01-01-000000_forty_tables")
    os.makedirs(folder, exist_ok=True)
    with open(os.path.join(root, "schema.ini"), "w") as f:
        f.write(f"[schema]\nscript_location = %(here)s/migrations\nsqlalchemy.url = {url}\n")
    with open(os.path.join(folder, "up.sql"), "w") as f:
        f.write(up_sql())
    with open(os.path.join(folder, "down.sql"), "w") as f:
        f.write(down_sql())
    with open(os.path.join(root, "desired.rs"), "w") as f:
        f.write(desired(url.startswith("sqlite")))


if __name__ == "__main__":
    main()
