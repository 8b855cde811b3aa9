#!/usr/bin/env python3
"""How much of the PostgreSQL provider is a verbatim copy of the SQLite provider.

A line is non-trivial when, stripped of surrounding whitespace, it is not empty, not a comment,
not a using directive and not only punctuation (braces, parentheses, semicolons). The figure is
the share of the PostgreSQL provider's non-trivial lines (C# only, build output excluded) whose
stripped text also occurs somewhere in the SQLite provider's C# sources.

    python3 bench/provider-overlap.py [REPO_ROOT]
"""
import pathlib
import re
import sys

root = pathlib.Path(sys.argv[1] if len(sys.argv) > 1 else ".")
PUNCTUATION = re.compile(r"^[{}()\[\];,]*$")


def lines(project):
    for path in sorted((root / "src" / project).rglob("*.cs")):
        if {"bin", "obj"} & set(path.parts):
            continue
        for line in path.read_text().splitlines():
            text = line.strip()
            if not text or text.startswith(("//", "///", "/*", "*", "using ", "#")) or PUNCTUATION.match(text):
                continue
            yield path.relative_to(root), text


sqlite = {text for _, text in lines("SmartApi.Storage.Sqlite")}
postgres = list(lines("SmartApi.Storage.Postgres"))
shared = sum(1 for _, text in postgres if text in sqlite)
print(f"{shared} of {len(postgres)} non-trivial PostgreSQL provider lines occur verbatim in the SQLite provider: "
      f"{100 * shared / max(len(postgres), 1):.1f} %")
