"""Runs `alembic upgrade` / `alembic downgrade` for alembic_parity.rs.

One process serves every graph: a JSON line on stdin names a versions
folder and lists scenarios (each a list of [command, target] steps, run in
order on a fresh SQLite database); one JSON line on stdout answers with,
for every step, either the state after it (the rows of `alembic_version`
and every revision they imply, dependencies included) or the exception it
raised (class and message). Each revision's `upgrade()` / `downgrade()`
logs itself in `config.attributes["ran"]`, so the state also says which
revisions the step ran, in Alembic's order; and each graph's answer holds
`alembic history`'s order (`ScriptDirectory.walk_revisions`).

Each step goes through `alembic.command.upgrade` / `downgrade` with a real
`env.py` and a real `alembic_version` table, as the command line runs
them. The only shortcut: the `ScriptDirectory` of a folder is built once
and handed back to every command on it, so the revision files are not
imported again for each step.
"""

import json
import os
import sys
import traceback
import warnings

import sqlalchemy
from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory

ENV_PY = """
from alembic import context

engine = context.config.attributes["engine"]
with engine.connect() as connection:
    context.configure(connection=connection)
    with context.begin_transaction():
        context.run_migrations()
    connection.commit()
"""

_scripts = {}
_from_config = ScriptDirectory.from_config


def _cached_from_config(config):
    location = config.get_main_option("script_location")
    script = _scripts.get(location)
    if script is None:
        script = _scripts[location] = _from_config(config)
    return script


ScriptDirectory.from_config = staticmethod(_cached_from_config)


def describe(exc):
    frame = traceback.extract_tb(exc.__traceback__)[-1]
    return {
        "class": type(exc).__name__,
        "message": str(exc),
        "at": "%s:%s" % (os.path.basename(frame.filename), frame.name),
    }


def state(script, engine):
    with engine.connect() as connection:
        rows = [
            r[0]
            for r in connection.execute(
                sqlalchemy.text("SELECT version_num FROM alembic_version")
            )
        ]
    applied = sorted(
        rev.revision
        for rev in script.revision_map._get_ancestor_nodes(
            script.revision_map.get_revisions(tuple(rows))
        )
    )
    return {"heads": sorted(rows), "applied": applied}


def run_scenario(config, script, steps):
    engine = sqlalchemy.create_engine(
        "sqlite://", poolclass=sqlalchemy.pool.StaticPool
    )
    config.attributes["engine"] = engine
    with engine.connect() as connection:
        connection.execute(
            sqlalchemy.text(
                "CREATE TABLE alembic_version "
                "(version_num VARCHAR(32) NOT NULL PRIMARY KEY)"
            )
        )
        connection.commit()
    out = []
    for verb, target in steps:
        config.attributes["ran"] = []
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                getattr(command, verb)(config, target)
            out.append(dict(state(script, engine), ran=config.attributes["ran"]))
        except Exception as exc:  # every refusal and every crash is reported
            out.append({"error": describe(exc)})
    engine.dispose()
    return out


def run_graph(request):
    folder = request["dir"]
    env_dir = os.path.join(folder, "env")
    os.makedirs(env_dir, exist_ok=True)
    with open(os.path.join(env_dir, "env.py"), "w") as f:
        f.write(ENV_PY)
    config = Config()
    config.set_main_option("script_location", env_dir)
    config.set_main_option("version_locations", os.path.join(folder, "versions"))
    try:
        script = ScriptDirectory.from_config(config)
        script.revision_map.heads  # loads and validates the graph
    except Exception as exc:
        return {"load_error": describe(exc)}
    history = [rev.revision for rev in script.walk_revisions()]
    return {
        "history": history,
        "scenarios": [run_scenario(config, script, s) for s in request["scenarios"]],
    }


def main():
    for line in sys.stdin:
        if not line.strip():
            continue
        print(json.dumps(run_graph(json.loads(line))), flush=True)


if __name__ == "__main__":
    main()
