"""Full or incremental: which kind of run this is, and the fetch of connections and sources it makes.

`sync --incremental` lists only the connections changed since the last successful run's watermark
(the highest server-side `last_updated` it had seen, never the client's clock) minus a safety margin.
A run is full instead, with one log line saying why, when there is no watermark yet, when the last
full run is older than --full-every (deletions are only seen by full runs), or when the server's
answers cannot be trusted for it (changes.NotIncremental).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

import duckdb

from authentik_etl.core.results import SyncResult
from authentik_etl.core.settings import SyncSettings
from authentik_etl.extract.changes import NotIncremental
from authentik_etl.extract.fetching import Fetcher
from authentik_etl.extract.incremental import fetch_changed, relist_sources
from authentik_etl.load import incremental, staging

log = logging.getLogger(__name__)
SHAPES_WITHOUT_LAST_UPDATED = ("<=2024.10", "2024.12-2025.2")  # models.api_shape() names


@dataclass(frozen=True)
class Plan:
    kind: str  # full, incremental, ids
    watermark: datetime | None = None  # the last succeeded run's
    reason: str | None = None  # why a run asked incremental is full
    users_watermark: datetime | None = None

    def since(self, margin: float) -> datetime:
        assert self.watermark is not None
        return self.watermark - timedelta(seconds=margin)

    def users_since(self, margin: float) -> datetime | None:
        """Where an incremental run's user listing starts (None: every user is read)."""
        if self.kind != "incremental" or self.users_watermark is None:
            return None
        return self.users_watermark - timedelta(seconds=margin)


def plan(settings: SyncSettings, con: duckdb.DuckDBPyConnection, now: datetime) -> Plan:
    """The kind of this run, from the options and the runs recorded for this authentik."""
    if settings.ids is not None:
        return Plan("ids")
    previous = incremental.previous_runs(con, settings.base_url)
    watermark, last_full = previous.watermark, previous.last_full
    if not settings.incremental:
        return Plan("full", watermark, None, previous.users_watermark)
    if watermark is None and previous.api_shape in SHAPES_WITHOUT_LAST_UPDATED:
        return Plan("full", None, f"this API shape ({previous.api_shape}) has no last_updated on connections "
                    "(authentik before 2025.4)")  # fmt: skip
    if watermark is None:
        return Plan("full", None, "no watermark yet (no successful run of this database recorded one)")
    if last_full is None:
        return Plan("full", watermark, "no full sync of this authentik is recorded yet")
    age = (now - last_full).total_seconds()
    if age >= settings.full_every:
        return Plan("full", watermark, f"the last full sync started {_age(age)} ago (--full-every "
                    f"{_age(settings.full_every)})", previous.users_watermark)  # fmt: skip
    return Plan("incremental", watermark, None, previous.users_watermark)


def fetch(settings: SyncSettings, fetcher: Fetcher, stager: staging.Stager, chosen: Plan) -> Plan:
    """Connections and sources, in full or incrementally; the plan followed (a fallback is full)."""
    if chosen.reason:
        log.info("full sync instead of incremental: %s", chosen.reason)
    if chosen.kind != "incremental":
        fetcher.run(settings.ids)
        fetcher.fetch_sources()
        return chosen
    since = chosen.since(settings.safety_margin)
    log.info("incremental: listing connections changed since %s (watermark %s minus %s)",
             _iso(since), _iso(chosen.watermark), _age(settings.safety_margin))  # fmt: skip
    try:
        changes = fetch_changed(fetcher, since)
    except NotIncremental as exc:
        fetcher.forget_counts()
        return fetch(settings, fetcher, stager, replace(chosen, kind="full", reason=str(exc)))
    fetcher.fetch_sources()
    stager.flush()
    slugs = incremental.changed_sources(stager.con, settings.db_path)
    listed = relist_sources(fetcher, slugs) if slugs else 0
    log.info("incremental: %d connection(s) updated since then, in %d page(s); %d new or changed source(s) "
             "listed again (%d connection(s))", changes.items, changes.pages, len(slugs), listed)  # fmt: skip
    return chosen


def note(result: SyncResult, followed: Plan, staged: tuple[datetime | None, datetime | None]) -> None:
    """The run's kind and watermarks: the newest last_updated seen, or the last one carried over."""
    result.kind, result.full_reason = followed.kind, followed.reason
    result.watermark = _newest(followed.watermark, staged[0])
    result.users_watermark = _newest(followed.users_watermark, staged[1])


def _newest(*values: datetime | None) -> datetime | None:
    return max((v for v in values if v is not None), default=None)


def _age(seconds: float) -> str:
    """7d, 1.5d, 36h, 5m, 30s."""
    for unit, size in (("d", 86400), ("h", 3600), ("m", 60)):
        if seconds >= 2 * size or (seconds >= size and seconds % size == 0):
            return f"{seconds / size:.1f}".removesuffix(".0") + unit
    return f"{seconds:.0f}s"


def _iso(when: datetime | None) -> str:
    return "none" if when is None else when.isoformat().replace("+00:00", "Z")
