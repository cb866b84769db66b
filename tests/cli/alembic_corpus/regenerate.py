#!/usr/bin/env python3
"""Regenerate the alembic.ini files of tests/cli/alembic_corpus/generated.

Every alembic.ini template shipped by Alembic since 1.0 (generic, async,
multidb, pyproject, pyproject_async) and by Flask-Migrate since 2.0 (flask,
flask-multidb, aioflask, aioflask-multidb), rendered as `alembic init` /
`flask db init` render it. Identical renderings are kept once, named after
the first release that shipped them; SOURCES lists every release of each.

Run with a Python that has Mako (Alembic's venv does):

    target/alembic-venv/bin/python tests/cli/alembic_corpus/regenerate.py

The releases come from PyPI through `pip download` into a temporary folder;
nothing but the rendered files is kept.
"""

import os
import re
import subprocess
import sys
import tarfile
import tempfile
import zipfile
from pathlib import Path

from mako.template import Template

HERE = Path(__file__).resolve().parent
OUT = HERE / "generated"
ALEMBIC_TEMPLATES = ["generic", "async", "multidb", "pyproject", "pyproject_async"]
FLASK_TEMPLATES = ["flask", "flask-multidb", "aioflask", "aioflask-multidb"]


def versions(package, minimum):
    out = subprocess.run(
        [sys.executable, "-m", "pip", "index", "versions", package],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    listed = re.search(r"Available versions: (.*)", out).group(1).split(", ")

    def key(v):
        return tuple(int(p) for p in re.findall(r"\d+", v)[:3])

    return sorted((v for v in listed if key(v) >= minimum and "post" not in v), key=key)


def download(package, version, dest):
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--no-deps", "-q", "-d", dest,
         f"{package}=={version}"],
        check=True,
    )
    stem = package.replace("-", "_").lower()
    for f in os.listdir(dest):
        name = f.lower().replace("-", "_")
        if name.startswith(f"{stem}_{version}") and (f.endswith(".whl") or f.endswith(".tar.gz")):
            return Path(dest) / f
    raise SystemExit(f"no archive for {package} {version} in {dest}")


def members(archive):
    """(path inside the package, bytes) of every file of the archive."""
    if archive.suffix == ".whl":
        with zipfile.ZipFile(archive) as z:
            for n in z.namelist():
                yield n, z.read(n)
    else:
        with tarfile.open(archive) as t:
            for m in t.getmembers():
                if m.isfile():
                    # sdists hold `<name>-<version>/<package>/...`.
                    yield m.name.split("/", 1)[1], t.extractfile(m).read()


def render(source, script_location):
    with tempfile.NamedTemporaryFile("wb", suffix=".mako", delete=False) as f:
        f.write(source)
    try:
        return Template(filename=f.name).render(script_location=script_location)
    finally:
        os.unlink(f.name)


def main():
    OUT.mkdir(exist_ok=True)
    for old in OUT.glob("*.ini"):
        old.unlink()
    seen = {}  # rendered text -> (file name, [releases])
    with tempfile.TemporaryDirectory() as tmp:
        jobs = [("alembic", v, ALEMBIC_TEMPLATES, "alembic/templates/")
                for v in versions("alembic", (1, 0, 0))]
        jobs += [("Flask-Migrate", v, FLASK_TEMPLATES, "flask_migrate/templates/")
                 for v in versions("Flask-Migrate", (2, 0, 0))]
        for package, version, templates, root in jobs:
            dest = Path(tmp) / f"{package}-{version}"
            dest.mkdir()
            files = dict(members(download(package, version, dest)))
            command = files.get("alembic/command.py", b"").decode()
            # `alembic init DIR` writes `%(here)s/DIR` since the release
            # whose init builds the path from %(here)s, plain `DIR` before.
            location = "%(here)s/migrations" if '"%(here)s"' in command else "migrations"
            for template in templates:
                source = files.get(f"{root}{template}/alembic.ini.mako")
                if source is None:
                    continue
                text = render(source, location)
                prefix = "alembic" if package == "alembic" else "flask-migrate"
                if text not in seen:
                    seen[text] = (f"{prefix}-{template}-{version}.ini", [])
                seen[text][1].append(f"{package} {version} {template}")
    lines = []
    for text, (name, releases) in sorted(seen.items(), key=lambda kv: kv[1][0]):
        (OUT / name).write_text(text)
        lines.append(f"{name}: {', '.join(releases)}")
    (OUT / "SOURCES").write_text("\n".join(lines) + "\n")
    print(f"{len(seen)} distinct files in {OUT}")


if __name__ == "__main__":
    main()
