"""The SQL files of the top-level sql/ folder ship inside the installed package."""

from __future__ import annotations

from pathlib import Path

from authentik_etl.load import sqlfiles

REPO_SQL = Path(__file__).resolve().parents[1] / "sql"


def _installed(node, prefix: str = "") -> set[str]:
    names = set()
    for entry in node.iterdir():
        if entry.is_dir():
            names |= _installed(entry, f"{prefix}{entry.name}/")
        elif entry.name.endswith(".sql"):
            names.add(prefix + entry.name)
    return names


def test_every_sql_file_of_the_source_tree_is_in_the_installed_package() -> None:
    in_repo = {str(p.relative_to(REPO_SQL)) for p in REPO_SQL.rglob("*.sql")}
    assert in_repo, "the repository has no sql/ files"
    assert _installed(sqlfiles.sql_root()) == in_repo


def test_installed_sql_files_have_the_repository_text() -> None:
    for path in REPO_SQL.rglob("*.sql"):
        assert sqlfiles.read(str(path.relative_to(REPO_SQL))) == path.read_text(encoding="utf-8")
