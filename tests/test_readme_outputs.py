"""The command outputs in README.md are generated (docs/readme_outputs.py) and must be current."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _load():
    spec = importlib.util.spec_from_file_location("readme_outputs", ROOT / "docs" / "readme_outputs.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


outputs = _load()


@pytest.fixture(scope="module")
def fresh() -> dict[str, str]:
    return outputs.generated()


def test_every_generated_block_of_the_readme_is_current(fresh) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert set(fresh) == {m[1] for m in outputs.MARKER.finditer(readme)}
    assert outputs.differences(readme, fresh) == []


def test_a_changed_log_line_makes_the_check_fail(fresh) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stale = readme.replace("applied in one transaction in", "applied in a transaction in", 1)
    [problem] = outputs.differences(stale, fresh)
    assert "README block 'demo' is stale" in problem and "applied in a transaction" in problem


def test_only_what_varies_is_normalised() -> None:
    a = "2026-12-03T15:56:34Z INFO    sync succeeded: run 20261203T155634Z-2704b7 in 0.9s at 127.0.0.1:42367"
    b = "2027-01-01T00:00:00Z INFO sync succeeded: run 20270101T000000Z-abcdef in 12.3s at 127.0.0.1:80"
    assert outputs.normalise(a) == outputs.normalise(b)
    assert outputs.normalise(a) != outputs.normalise(a.replace("succeeded", "failed"))
    assert outputs.normalise("deleted=0") != outputs.normalise("deleted=1")


def test_rewrite_puts_the_fresh_text_in_place(fresh) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    stale = readme.replace("applied in one transaction in", "applied in a transaction in")
    assert outputs.differences(outputs.rewrite(stale, fresh), fresh) == []


def test_the_configuration_table_is_generated_from_the_settings_model() -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert outputs.table_differences(readme) == []
    stale = readme.replace("| `concurrency` | `--concurrency` |", "| `concurrency` | `--threads` |", 1)
    assert stale != readme
    assert outputs.table_differences(stale) == [
        "README table 'configuration' is stale (run python docs/readme_outputs.py)"
    ]
    assert outputs.table_differences(outputs.rewrite_tables(stale)) == []
