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


# -- a simulator per test, and helpers to compare the database with its data -----------------
TOKEN = "ak-T3ST-t0ken-5ecret-0123456789abcdef"
SHAPES = ("2024.10", "2024.12", "2025.4", "2025.12", "2026.5")


@pytest.fixture
def simulator():
    """start(dataset, **options) -> a running Simulator on 127.0.0.1, closed after the test."""
    from authentik_etl.simulator import Simulator

    started = []

    def start(dataset, **options):
        options.setdefault("token", TOKEN)
        sim = Simulator(dataset, **options).start()
        started.append(sim)
        return sim

    yield start
    for sim in started:
        sim.close()


def fast_policy(**overrides):
    from authentik_etl.extract.retry import RetryPolicy

    values = {"initial_wait": 0.005, "max_wait": 0.02, "jitter": 0.005, "retry_after_cap": 0.02}
    return RetryPolicy(**{**values, **overrides})


def settings_for(sim, db_path: Path, **overrides):
    from authentik_etl.core.settings import SyncSettings

    values = {"base_url": sim.url, "token": TOKEN, "db_path": db_path, "timeout": 5.0}
    return SyncSettings(**{**values, **overrides})


def run_sync(sim, db_path: Path, policy=None, **overrides):
    from authentik_etl.job.sync import sync

    return sync(settings_for(sim, db_path, **overrides), policy=policy or fast_policy())


def expected_connections(dataset) -> list[tuple]:
    rows = []
    for pk in dataset.connection_pks():
        payload = dataset.connection(pk)
        source = payload["source"] if isinstance(payload["source"], dict) else payload["source_obj"]
        rows.append(
            (
                pk,
                payload["user"],
                source["pk"],
                payload.get("identifier"),
                _ts(payload.get("created")),
                _ts(payload.get("last_updated")),
                json.dumps(payload, ensure_ascii=False, separators=(",", ":")),
            )
        )
    return rows


def db_connections(db_path: Path) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        rows = con.execute(
            "SELECT pk, user_pk, source_pk::VARCHAR, identifier, created, last_updated, payload::VARCHAR "
            "FROM user_source_connections WHERE deleted_at IS NULL ORDER BY pk"
        ).fetchall()
    return [(*r[:4], _utc(r[4]), _utc(r[5]), r[6]) for r in rows]


def db_rows(db_path: Path, sql: str, params: list | None = None) -> list[tuple]:
    import duckdb

    with duckdb.connect(str(db_path), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _ts(value: str | None):
    from datetime import datetime

    return None if value is None else datetime.fromisoformat(value.replace("Z", "+00:00"))


def _utc(value):
    from datetime import UTC

    return None if value is None else value.astimezone(UTC)
