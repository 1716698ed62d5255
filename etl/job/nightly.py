"""The whole night, as one library call: ping, sync (under the run lock), export, metrics, ping.

`run_nightly(settings)` is what `authentik-etl sync` and `authentik-etl demo` both run; it returns
one RunReport that every caller reads. A failed sync still writes its metrics and closing ping,
then raises its EtlError (the CLI turns it into a message and an exit code).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from authentik_etl.core.errors import EXIT_FAILED, EXIT_INTERRUPTED, EtlError, InterruptedRun
from authentik_etl.core.results import SyncResult
from authentik_etl.core.settings import SyncSettings
from authentik_etl.job import pings
from authentik_etl.job.sync import sync
from authentik_etl.load import db
from authentik_etl.publish import export, metrics

log = logging.getLogger("authentik_etl")


@dataclass
class RunReport:
    """What one night did. `sync` is None when the run was interrupted (nothing applied)."""

    exit_code: int
    sync: SyncResult | None
    export: export.ExportResult | None
    seconds: float


class Cancel(threading.Event):
    """A cancel event that also says which exit code the stop means (130 SIGINT, 143 SIGTERM)."""

    exit_code = EXIT_INTERRUPTED


def check(settings: SyncSettings) -> None:
    """The night's own settings, checked before anything (a ping, a request) happens."""
    if settings.export_dir is not None:
        export.check_out_dir(settings.export_dir, settings.db_path)
        export.check_options(settings.export_format, settings.export_keep, settings.export_partition_by)


def run_nightly(
    settings: SyncSettings,
    *,
    cancel: threading.Event | None = None,
    on_progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    check(settings)
    if settings.ping_url:
        pings.ping(settings.ping_url, "start")
    started = time.monotonic()
    report = RunReport(EXIT_FAILED, None, None, 0.0)
    try:
        report.sync, report.exit_code = _sync(settings, cancel, on_progress)
        if report.sync is not None and settings.export_dir is not None:
            report.export = _export(settings)
    except EtlError as exc:
        report.exit_code = exc.exit_code
        raise
    finally:
        report.seconds = time.monotonic() - started
        _after(settings, report)
    return report


def _sync(
    settings: SyncSettings, cancel: threading.Event | None, on_progress: Callable[[int, int], None] | None
) -> tuple[SyncResult | None, int]:
    try:
        result = sync(settings, cancel=cancel, on_progress=on_progress)
    except InterruptedRun:
        log.error("sync interrupted: nothing applied, the run is recorded as failed")
        return None, getattr(cancel, "exit_code", EXIT_INTERRUPTED)
    summary = " ".join(f"{k}={v}" for k, v in result.counts().items())
    summary += (
        f" findings={sum(result.findings_open.values())} new_findings={sum(result.findings_new.values())}"
    )
    status = result.status
    if result.fail_on_hit:  # exit 5 beats 3: the line says both
        status += f", {result.fail_on_hit} new finding(s) at or above --fail-on {settings.fail_on} (exit 5)"
    log.info(
        "sync %s: run %s %s in %.1fs", status, result.run_id, summary, result.seconds,
        extra={"run_id": result.run_id, "stage": "summary", "counts": result.counts(),
               "seconds": round(result.seconds, 3), "status": result.status},
    )  # fmt: skip
    return result, result.exit_code


def _export(settings: SyncSettings) -> export.ExportResult:
    assert settings.export_dir is not None
    con = db.connect(settings.db_path, read_only=True)
    try:
        result = export.export(
            con,
            settings.export_dir,
            fmt=settings.export_format,
            keep=settings.export_keep,
            partition_by=settings.export_partition_by,
        )
    finally:
        con.close()
    log_export(result)
    return result


def log_export(result: export.ExportResult) -> None:
    total = sum(result.rows.values())
    log.info("exported %d tables and views (%d rows) to %s", len(result.rows), total, result.folder)
    if result.pruned:
        names = ", ".join(p.name for p in result.pruned)
        log.info("pruned %d old snapshot(s): %s", len(result.pruned), names)


def _after(settings: SyncSettings, report: RunReport) -> None:
    """Metrics and the closing ping: reported, never allowed to change the night's outcome."""
    if settings.metrics_file is not None:
        try:
            metrics.write_metrics(
                settings.metrics_file,
                settings.db_path,
                exit_code=report.exit_code,
                seconds=report.seconds,
                result=report.sync,
            )
        except EtlError as exc:
            log.warning("%s", exc)
    if settings.ping_url:
        pings.ping(settings.ping_url, str(report.exit_code))
