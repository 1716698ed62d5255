"""Applying a fetched run: the deletion guard's decision, then one transaction that applies the
staged rows, evaluates the findings and records the run (job/sync.py fetches; load/apply.py runs
the SQL)."""

from __future__ import annotations

import logging
import time
from pathlib import Path

import duckdb

from authentik_etl.core.logs import stage_done
from authentik_etl.core.results import SyncResult
from authentik_etl.core.settings import SyncSettings
from authentik_etl.extract import directory
from authentik_etl.findings import evaluate, rules
from authentik_etl.job import plan, runs
from authentik_etl.load import apply, db, guard, staging

# The sync's own logger name: the JSON log shows it ("logger"), and these lines were always the sync's.
log = logging.getLogger("authentik_etl.job.sync")


def guard_deletions(
    settings: SyncSettings,
    run_id: str,
    stager: staging.Stager,
    stats: SyncResult,
    release: str | None,
    followed: plan.Plan,
) -> list[int]:
    """Record what the run saw, then let the deletion guard stop it (before the one-by-one check
    of the ids the listing missed, so a refused run ends in seconds); the ids to check. An
    incremental run checks none (it deletes nothing) but its listing's count is guarded all the same."""
    stager.flush()
    counted = stats.visible_connections if followed.kind == "incremental" else None
    seen, unseen = guard.what_was_seen(stager.con, settings.db_path, stats, unseen=counted is None)
    visible = stats.discovered
    if counted is not None:
        visible, seen[0] = counted, guard.counted(seen[0], counted)
    seen = [guard.counted(s, stats.parts_visible[s.kind]) if s.kind in stats.incremental_parts else s
            for s in seen]  # fmt: skip
    guard.record_visibility(settings.db_path, run_id, visible, stats.refused_endpoints)
    guard.decide(
        seen,
        stats.refused_endpoints,
        settings.max_delete,
        allow_mass_delete=settings.allow_mass_delete,
        release=release,
    )
    return unseen


def apply_run(settings: SyncSettings, run_id: str, staged: Path, result: SyncResult) -> SyncResult:
    """The run's status, then the one transaction: the staged rows, the findings, the run record."""
    _complete_parts(settings, result)
    result.status = "partial" if result.partial else "succeeded"
    if settings.ids is not None:
        result.visible_connections = None
    elif result.kind != "incremental":
        result.visible_connections = result.discovered
    if result.partial:
        result.error = f"{result.failed} connection(s) failed, {result.discovery_errors} list page(s) failed"

    def finish(con: duckdb.DuckDBPyConnection, applied: apply.ApplyResult) -> None:
        result.inserted, result.updated = applied.inserted, applied.updated
        result.unchanged, result.deleted = applied.unchanged, applied.deleted
        found = evaluate.evaluate(con, run_id, db.now(), [*result.complete_parts, *result.incremental_parts])
        _note_findings(result, found, settings.fail_on)
        runs.record_run(con, run_id, result, found.not_evaluated)

    clock = time.monotonic()
    con = db.connect(settings.db_path, wait=db.OPEN_WAIT_SECONDS, config=db.SYNC_SETTINGS)
    try:
        apply.apply(
            con,
            staged,
            run_id=run_id,
            now=db.now(),
            complete_parts=result.complete_parts,
            incremental_parts=result.incremental_parts,
            finish=finish,
        )
    except duckdb.Error as exc:
        raise runs.storage_error(settings.db_path, exc) from None
    finally:
        con.close()
    stage_done(log, "apply", clock, None, "applied in one transaction")
    return result


def _complete_parts(settings: SyncSettings, result: SyncResult) -> None:
    """What the findings may evaluate: every listing this run read in full."""
    if settings.ids is None and not result.partial:
        result.complete_parts.append("connections")
    if settings.ids is None and result.sources_complete:
        result.complete_parts.append("sources")
    if all(p.kind in result.complete_parts for p in directory.DETAIL if p.kind.startswith("sources_")):
        result.complete_parts.append("source_details")


def _note_findings(result: SyncResult, found: evaluate.Evaluation, fail_on: str | None) -> None:
    result.findings_new, result.findings_open = found.new, found.current
    if fail_on is not None:
        result.fail_on_hit = sum(n for sev, n in found.new.items() if sev in rules.at_least(fail_on))
    new, skipped = sum(found.new.values()), ", ".join(found.not_evaluated)
    log.info("findings: %d current, %d new, %d resolved%s", sum(found.current.values()), new, found.resolved,
             f" (not evaluated: {skipped})" if skipped else "")  # fmt: skip
