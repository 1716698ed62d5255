"""The nightly job: lock, fetch into staging, then apply it in one transaction (job/applying.py)."""

from __future__ import annotations

import gc
import logging
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, replace
from datetime import datetime

import duckdb

from authentik_etl.core import logs
from authentik_etl.core.errors import (
    AuthError,
    InterruptedRun,
)
from authentik_etl.core.logs import stage_done
from authentik_etl.core.results import SyncResult
from authentik_etl.core.settings import SyncSettings
from authentik_etl.extract import directory
from authentik_etl.extract.adaptive import AimdLimit, Limit
from authentik_etl.extract.client import AuthentikClient
from authentik_etl.extract.fetching import Fetcher
from authentik_etl.extract.pacing import Pacer
from authentik_etl.extract.probe import probe
from authentik_etl.extract.retry import RetryPolicy
from authentik_etl.extract.seeking import ThroughputSeeker
from authentik_etl.job import applying, plan, runs
from authentik_etl.load import db, incremental, staging
from authentik_etl.load.runlock import RunLock

log = logging.getLogger(__name__)


def sync(
    settings: SyncSettings,
    *,
    cancel: threading.Event | None = None,
    on_progress: Callable[[int, int], None] | None = None,
    policy: RetryPolicy | None = None,
) -> SyncResult:
    """Run one sync; raise EtlError subclasses for runs that fail (recorded as 'failed')."""
    started, clock = db.now(), time.monotonic()
    run_id = runs.new_run_id(started)
    policy = replace(policy or RetryPolicy(), max_attempts=settings.max_attempts)
    limit = _limit(settings)
    fetch = _Fetch(_client(settings, limit), limit, None, cancel, on_progress, policy)
    try:
        with logs.context(run_id=run_id):
            if not settings.db_path.exists():
                # A run that never reached authentik leaves no database file where there was none;
                # a refused token did reach it, and its run is recorded (the probe runs again inside).
                with suppress(AuthError):
                    fetch = replace(fetch, release=probe(fetch.client, policy, cancel))
            with RunLock(settings.db_path), fewer_gc_passes():
                result = _run(settings, run_id, started, fetch)
    finally:
        fetch.client.close()
    result.seconds = time.monotonic() - clock
    return result


def _run(settings: SyncSettings, run_id: str, started: datetime, fetch: _Fetch) -> SyncResult:
    """The run inside the lock: recorded from its start, failed or not."""
    runs.start_run(settings, run_id, started)
    try:
        if fetch.release is None:
            fetch = replace(fetch, release=probe(fetch.client, fetch.policy, fetch.cancel))
        log.info("authentik %s at %s", fetch.release, settings.base_url)
        return _fetch_and_apply(settings, run_id, fetch, _plan(settings, run_id))
    except (duckdb.Error, OSError) as exc:
        error = runs.storage_error(settings.db_path, exc)
        runs.fail_run(settings.db_path, run_id, error)
        raise error from None
    except BaseException as exc:
        runs.fail_run(settings.db_path, run_id, exc)
        raise
    finally:
        staging.remove_staging(staging.staging_path(settings.db_path))


def _plan(settings: SyncSettings, run_id: str) -> plan.Plan:
    """Full or incremental (recorded at once: a run that fails later keeps its kind)."""
    con = db.connect(settings.db_path, wait=db.OPEN_WAIT_SECONDS)
    try:
        chosen = plan.plan(settings, con, db.now())
        incremental.record_plan(con, run_id, chosen.kind, chosen.reason)
    finally:
        con.close()
    return chosen


@contextmanager
def fewer_gc_passes(young: int = 10_000) -> Iterator[None]:
    """Run the cyclic garbage collector less often while a sync lasts (restored afterwards).

    A sync allocates millions of short-lived objects (parsed JSON, rows) that are freed by
    reference counting; with the default threshold (700) the collector still walked them about
    every page and took about a tenth of a list sync's CPU (median of 3: 5.6 -> 5.0 s for 100k
    connections). It still runs, so memory stays bounded.
    """
    before = gc.get_threshold()
    gc.set_threshold(young, 20, 100)
    try:
        yield
    finally:
        gc.set_threshold(*before)


def _limit(settings: SyncSettings) -> Limit | None:
    if settings.adaptive:
        return AimdLimit(settings.concurrency)
    return ThroughputSeeker(settings.concurrency) if settings.auto_concurrency else None


def _client(settings: SyncSettings, limit: Limit | None) -> AuthentikClient:
    if settings.max_rps:
        log.info("at most %g requests per second (--max-rps)", settings.max_rps)
    return AuthentikClient(
        settings.base_url,
        settings.token,
        pool_size=settings.concurrency,
        timeout=settings.timeout,
        connect_timeout=settings.connect_timeout,
        ca_bundle=settings.ca_bundle,
        pacer=Pacer(settings.max_rps) if settings.max_rps else None,
        limit=limit,
    )


@dataclass(frozen=True)
class _Fetch:
    """How this run talks to authentik."""

    client: AuthentikClient
    limit: Limit | None
    release: str | None
    cancel: threading.Event | None
    on_progress: Callable[[int, int], None] | None
    policy: RetryPolicy


def _fetch_and_apply(settings: SyncSettings, run_id: str, fetch: _Fetch, chosen: plan.Plan) -> SyncResult:
    staged = staging.staging_path(settings.db_path)
    client, limit = fetch.client, fetch.limit
    stager = staging.Stager(staged)
    try:
        fetcher = Fetcher(
            client,
            stager,
            mode=settings.mode,
            concurrency=settings.concurrency,
            page_size=settings.page_size,
            cancel=fetch.cancel,
            on_progress=fetch.on_progress,
            policy=fetch.policy,
            limit=limit,
            stats=SyncResult(run_id),
        )
        clock = time.monotonic()
        followed = plan.fetch(settings, fetcher, stager, chosen)
        stats = fetcher.stats
        stage_done(log, "fetch", clock, stats, _fetched(stats, followed))
        _fetch_directory(settings, fetcher, followed.users_since(settings.safety_margin))
        if settings.ids is None:
            unseen = applying.guard_deletions(settings, run_id, stager, stats, fetch.release, followed)
        if settings.ids is None and followed.kind == "full":
            clock = time.monotonic()
            fetcher.verify(unseen)
            checked = f"checked {stats.verified} connection(s) the listing missed"
            stage_done(log, "verify", clock, stats, checked)
        stager.flush()  # the writer thread is done with the staging connection
        plan.note(stats, followed, incremental.staged_newest(stager.con))
        stats.http = dict(client.status_counts)
        stats.concurrency = _settled(limit) if limit else settings.concurrency
        if fetch.cancel is not None and fetch.cancel.is_set():
            raise InterruptedRun("interrupted: nothing applied")
    finally:
        stager.close()
    return applying.apply_run(settings, run_id, staged, stats)


def _fetched(stats: SyncResult, followed: plan.Plan) -> str:
    if followed.kind == "incremental":
        visible = stats.visible_connections
        return f"fetched {stats.fetched} connections updated since the watermark, of {visible} visible"
    return f"fetched {stats.fetched} of {stats.discovered} connections"


def _fetch_directory(settings: SyncSettings, fetcher: Fetcher, users_since: datetime | None) -> None:
    """Users, groups, group connections and per-type source detail, for the findings; none in an
    --ids run (it reads only some connections), no users and groups with --no-directory."""
    if settings.ids is not None:
        fetcher.stats.skipped_parts += [f"{p.kind}: not read by an --ids run" for p in directory.PARTS]
        return
    clock = time.monotonic()
    parts = directory.PARTS if settings.directory else directory.DETAIL
    if not settings.directory:
        fetcher.stats.skipped_parts += [f"{p.kind}: not read (--no-directory)" for p in directory.DIRECTORY]
    fetcher.fetch_parts(parts, users_since)
    got = fetcher.stats
    read = f"read {got.users_listed} users, {got.groups_listed} groups," if settings.directory else "read"
    details = sum(n for kind, n in got.parts_listed.items() if kind.startswith("sources_"))
    stage_done(log, "directory", clock, None, f"{read} {got.parts_listed.get('group_connections', 0)} group "
               f"connections, {details} per-type source details")  # fmt: skip


def _settled(limit: Limit) -> int:
    if isinstance(limit, ThroughputSeeker):
        first = next((rates for rates in [*limit.phases, limit.rates] if rates), {})  # the connections'
        rates = ", ".join(f"{level}: {rate:.1f}" for level, rate in sorted(first.items())) or "none"
        # A short run (the demo) ends before a level was measured: nothing worth a line then.
        log.log(
            logging.INFO if first else logging.DEBUG,
            "concurrency auto held %d request(s) in flight (tried 1 to %d; answers/s by level %s; moved %d)",
            limit.held,
            limit.maximum,
            rates,
            limit.moves,
        )
        return limit.held
    fastest = f"{limit.baseline * 1000:.0f} ms" if limit.baseline is not None else "none"
    log.info(
        "adaptive concurrency ended at %d request(s) in flight (peak %d, at most %d; fastest answer %s)",
        limit.current,
        int(limit.peak),
        limit.maximum,
        fastest,
    )
    return limit.current
