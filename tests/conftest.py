from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SAMPLES = FIXTURES / "samples"
RELEASES = ("2024.10.5", "2025.12.4")


def read_http(path: Path) -> tuple[int, dict[str, str], str]:
    """A captured raw HTTP response: (status, lower-cased headers, body)."""
    text = path.read_text(encoding="utf-8")
    head, _, body = text.partition("\n\n")
    lines = head.splitlines()
    status = int(lines[0].split()[1])
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return status, headers, body


def sample_json(release: str, name: str) -> Any:
    return json.loads(read_http(SAMPLES / release / f"{name}.http")[2])


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "authentik.duckdb"
