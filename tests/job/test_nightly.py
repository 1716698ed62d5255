"""run_nightly: the whole night as one library call, one RunReport for every caller."""

from __future__ import annotations

import dataclasses

import pytest
from conftest import settings_for
from helpers import metrics

from authentik_etl.core.errors import EXIT_AUTH, AuthError
from authentik_etl.job.nightly import Cancel, run_nightly
from authentik_etl.simulator import Dataset


def test_one_call_syncs_exports_and_writes_metrics(simulator, db_path, tmp_path) -> None:
    sim = simulator(Dataset.generate(connections=30, seed=8))
    prom = tmp_path / "etl.prom"
    settings = settings_for(sim, db_path, export_dir=tmp_path / "exports", metrics_file=prom)
    report = run_nightly(settings)
    assert report.exit_code == 0 and report.sync is not None
    assert (report.sync.status, report.sync.fetched, report.sync.inserted) == ("succeeded", 30, 30)
    assert report.export is not None and report.export.rows["user_source_connections"] == 30
    assert (tmp_path / "exports" / "latest").resolve() == report.export.folder
    got = metrics(prom)
    assert got["authentik_etl_last_run_exit_code"][()] == 0
    assert got["authentik_etl_connections"][(("outcome", "inserted"),)] == 30


def test_a_failed_night_still_writes_its_metrics_then_raises(simulator, db_path, tmp_path) -> None:
    sim = simulator(Dataset.generate(connections=5, seed=9))
    prom = tmp_path / "etl.prom"
    settings = dataclasses.replace(
        settings_for(sim, db_path, metrics_file=prom, export_dir=tmp_path / "exports"), token="wrong-token"
    )
    with pytest.raises(AuthError):
        run_nightly(settings)
    assert metrics(prom)["authentik_etl_last_run_exit_code"][()] == EXIT_AUTH
    assert not (tmp_path / "exports").exists()


def test_an_interrupted_night_reports_the_signal_exit_code_and_exports_nothing(
    simulator, db_path, tmp_path
) -> None:
    sim = simulator(Dataset.generate(connections=5, seed=10))
    cancel = Cancel()
    cancel.exit_code = 143
    cancel.set()
    report = run_nightly(settings_for(sim, db_path, export_dir=tmp_path / "exports"), cancel=cancel)
    assert (report.exit_code, report.sync, report.export) == (143, None, None)
