"""One run's figures: filled by the fetch, the guard and the apply, recorded in sync_runs,
written as metrics and logged. One type from the first request to the run record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from datetime import datetime
from typing import Any

from authentik_etl.core.errors import EXIT_FINDINGS, EXIT_OK, EXIT_PARTIAL

COUNTS = ("discovered", "fetched", "inserted", "updated", "unchanged", "deleted", "failed", "retries")


@dataclass
class SyncResult:
    run_id: str = ""
    status: str = "running"  # running, succeeded, partial (failed is raised, not returned)
    # the fetch
    discovered: int = 0  # distinct connection ids the listing (or --ids) named
    fetched: int = 0
    failed: int = 0
    gone: int = 0  # 404 on retrieve: deleted since discovery
    retries: int = 0
    verified: int = 0  # ids the listing missed, checked one by one
    discovery_errors: int = 0  # list pages that failed after retries
    sources_complete: bool = False  # /sources/all/ was read in full
    refused_endpoints: list[str] = field(default_factory=list)  # listings that answered 403
    http: dict[str, int] = field(default_factory=dict)  # requests by status code
    api_shape: str | None = None
    concurrency: int | None = None  # requests in flight at the end (adaptive) or as configured
    visible_connections: int | None = None  # what a full listing showed (None for --ids runs)
    # incremental runs (job/plan.py): the kind of run, why one asked incremental was full, and the
    # highest server-side last_updated seen (or carried over from the last successful run)
    kind: str = "full"  # full, incremental, ids
    full_reason: str | None = None
    watermark: datetime | None = None
    users_watermark: datetime | None = None  # the same for users (2025.12 on)
    incremental_parts: list[str] = field(default_factory=list)  # read incrementally ("users")
    parts_visible: dict[str, int] = field(default_factory=dict)  # their listings' full count
    # the other listings (users, groups, group_connections, sources_oauth, ...): distinct rows read;
    # complete = every page read, count steady (absent rows may be marked deleted; the findings that
    # need it can be evaluated). A part absent from this release (404) is complete and empty.
    parts_listed: dict[str, int] = field(default_factory=dict)
    complete_parts: list[str] = field(default_factory=list)
    skipped_parts: list[str] = field(default_factory=list)  # "users: not visible to this token (403 ...)"
    findings_new: dict[str, int] = field(default_factory=dict)  # severity -> findings new in this run
    findings_open: dict[str, int] = field(default_factory=dict)  # severity -> current findings
    fail_on_hit: int = 0  # new findings at or above --fail-on
    # the apply
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    # the run
    seconds: float = 0.0
    error: str | None = None

    @property
    def users_listed(self) -> int | None:
        return self.parts_listed.get("users")

    @property
    def groups_listed(self) -> int | None:
        return self.parts_listed.get("groups")

    @property
    def users_complete(self) -> bool:
        return "users" in self.complete_parts

    @property
    def groups_complete(self) -> bool:
        return "groups" in self.complete_parts

    @property
    def partial(self) -> bool:
        return self.failed > 0 or self.discovery_errors > 0

    @property
    def exit_code(self) -> int:
        """5 (a new finding at or above --fail-on) beats 3 (partial): the data is applied in both."""
        if self.fail_on_hit:
            return EXIT_FINDINGS
        return EXIT_PARTIAL if self.status == "partial" else EXIT_OK

    def counts(self) -> dict[str, Any]:
        values = asdict(self)
        return {k: values[k] for k in COUNTS}
