"""One run's figures: filled by the fetch, the guard and the apply, recorded in sync_runs,
written as metrics and logged. One type from the first request to the run record."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

from authentik_etl.core.errors import EXIT_OK, EXIT_PARTIAL

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
    users_listed: int | None = None  # distinct users read (None: not read)
    groups_listed: int | None = None
    users_complete: bool = False  # every page read, count steady: absent users may be marked deleted
    groups_complete: bool = False
    skipped_parts: list[str] = field(default_factory=list)  # "users: not visible to this token (403 ...)"
    # the apply
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    deleted: int = 0
    # the run
    seconds: float = 0.0
    error: str | None = None

    @property
    def partial(self) -> bool:
        return self.failed > 0 or self.discovery_errors > 0

    @property
    def exit_code(self) -> int:
        return EXIT_PARTIAL if self.status == "partial" else EXIT_OK

    def counts(self) -> dict[str, Any]:
        values = asdict(self)
        return {k: values[k] for k in COUNTS}
