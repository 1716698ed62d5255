"""The stager's writer thread and the sync's garbage-collector setting, alone."""

from __future__ import annotations

import gc

import duckdb
import pytest

from authentik_etl.job import sync
from authentik_etl.load import staging


def row(pk: int) -> dict:
    return {
        "pk": pk, "user_pk": 1, "source_pk": "11111111-1111-1111-1111-111111111111", "identifier": None,
        "created": None, "last_updated": None, "payload": f'{{"pk": {pk}}}',
    }  # fmt: skip


def test_flush_is_a_barrier_and_batches_keep_their_order(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(staging, "BATCH_ROWS", 7)
    stager = staging.Stager(tmp_path / "s.staging")
    for pk in range(1, 101):
        stager.add_connection(row(pk))
    stager.flush()
    got = stager.con.execute("SELECT seq, pk FROM stg_connections ORDER BY seq").fetchall()
    assert got == [(pk, pk) for pk in range(1, 101)]
    stager.close()


def test_an_insert_failing_on_the_writer_thread_is_raised_to_the_caller(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(staging, "BATCH_ROWS", 5)
    stager = staging.Stager(tmp_path / "s.staging")
    stager.con.execute("DROP TABLE stg_connections")  # every insert now fails, as on a full disk
    with pytest.raises(duckdb.CatalogException, match="stg_connections"):
        for pk in range(1, 50):
            stager.add_connection(row(pk))
        stager.flush()
    with pytest.raises(duckdb.CatalogException):
        stager.close()  # still raised, and the writer thread and the file are closed
    assert stager._writer._shutdown


def test_fewer_gc_passes_during_a_sync_then_the_setting_comes_back() -> None:
    before = gc.get_threshold()
    with sync.fewer_gc_passes():
        assert gc.get_threshold()[0] == 10_000
    assert gc.get_threshold() == before
    with pytest.raises(RuntimeError), sync.fewer_gc_passes():
        raise RuntimeError("the sync failed")
    assert gc.get_threshold() == before
