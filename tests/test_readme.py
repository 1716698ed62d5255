"""The README documents every command, every option, every exit code and every column."""

from __future__ import annotations

import argparse
import re
from pathlib import Path

import duckdb
import pytest

from authentik_etl.commands.cli import build_parser
from authentik_etl.core.errors import EXIT_AUTH, EXIT_FAILED, EXIT_LOCKED, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE
from authentik_etl.load import catalog, db

README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")


def _subparsers() -> dict[str, argparse.ArgumentParser]:
    parser = build_parser()
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return dict(action.choices)


@pytest.mark.parametrize("command", sorted(_subparsers()))
def test_every_command_and_option_is_in_the_readme(command: str) -> None:
    assert f"authentik-etl {command}" in README
    for action in _subparsers()[command]._actions:
        for flag in action.option_strings:
            if flag.startswith("--") and flag != "--help":
                assert f"`{flag}" in README or f" {flag}" in README, f"{command} {flag} is not documented"


def test_every_exit_code_is_in_the_readme() -> None:
    table = README.split("## Exit codes", 1)[1].split("\n## ", 1)[0]
    for code in (EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_PARTIAL, EXIT_AUTH, EXIT_LOCKED, 130, 143):
        assert re.search(rf"^\| {code}[ ,|]|, {code} \|", table, re.M), code


def test_every_table_and_view_column_is_in_the_readme(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    db.migrate(con)
    db.create_views(con)
    stored = catalog.stored(con).names
    rows = [
        (t, c)
        for t, c in con.execute(
            "SELECT table_name, column_name FROM information_schema.columns WHERE table_schema = 'main'"
        ).fetchall()
        if t in stored
    ]
    assert {t for t, _ in rows} == set(stored)
    model = README.split("## Data model", 1)[1].split("\n## ", 1)[0]
    missing = [f"{t}.{c}" for t, c in rows if f"`{c}`" not in model]
    assert not missing, missing
    for table in {t for t, _ in rows}:
        assert f"`{table}`" in model
