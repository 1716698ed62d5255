"""The SQL shipped with the package (top-level `sql/` in the source tree)."""

from __future__ import annotations

from functools import cache
from importlib.resources import files
from importlib.resources.abc import Traversable


def sql_root() -> Traversable:
    return files("authentik_etl.sql")


@cache
def read(relative: str) -> str:
    """The text of one file under sql/, e.g. read("load/upsert_connections.sql")."""
    node = sql_root()
    for part in relative.split("/"):
        node = node / part
    return node.read_text(encoding="utf-8")


def listing(folder: str) -> list[tuple[str, str]]:
    """(name, text) of every .sql file in a folder of sql/, in name order."""
    entries = [e for e in (sql_root() / folder).iterdir() if e.name.endswith(".sql")]
    return [(e.name, e.read_text(encoding="utf-8")) for e in sorted(entries, key=lambda e: e.name)]
