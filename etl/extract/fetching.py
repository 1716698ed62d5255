"""Fetching: discover connection ids, retrieve (or list) them, and hand rows to the stager.

One thread pool of `concurrency` workers runs every HTTP call (list pages and retrieves), so the
server never sees more than `concurrency` requests from us at once. Discovery and retrieval are
pipelined: ids from a page are retrieved while the next page is fetched. Validation happens in
the workers; staging (DuckDB) only in the calling thread.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from authentik_etl.core.clock import now
from authentik_etl.core.config import API_PREFIX
from authentik_etl.core.errors import ApiError, AuthError, InterruptedRun, NotFoundError
from authentik_etl.core.results import SyncResult
from authentik_etl.extract import models
from authentik_etl.extract.adaptive import Limit
from authentik_etl.extract.client import AuthentikClient
from authentik_etl.extract.dispatch import Dispatcher
from authentik_etl.extract.pagination import CONNECTIONS_PATH, SOURCES_PATH, fetch_all, fetch_page
from authentik_etl.extract.parts import PartListings
from authentik_etl.extract.retry import RetryPolicy
from authentik_etl.extract.work import Outcome, Sink

log = logging.getLogger(__name__)


class Fetcher(PartListings):
    def __init__(
        self,
        client: AuthentikClient,
        stager: Sink,
        *,
        mode: str = "retrieve",
        concurrency: int = 4,
        page_size: int = 100,
        policy: RetryPolicy | None = None,
        cancel: threading.Event | None = None,
        on_progress: Callable[[int, int], None] | None = None,
        limit: Limit | None = None,
        stats: SyncResult | None = None,
    ) -> None:
        self.client, self.stager, self.mode = client, stager, mode
        self.limit = limit  # adaptive concurrency: at most limit.current (<= concurrency) in flight
        self.concurrency, self.page_size = concurrency, page_size
        self.policy = policy or RetryPolicy()
        self.cancel = cancel or threading.Event()
        self.on_progress = on_progress
        self.stats = stats if stats is not None else SyncResult()
        self._lock = threading.Lock()
        self._sources: dict[Any, tuple[models.Source, dict[str, Any]]] = {}
        self._source_cache = models.SourceCache()
        self._unreadable: set[str] = set()  # parts with an item that could not be read
        self._listed = 0  # ids discovered so far, for the progress bar (stats.discovered: at the end)

    def allowed_in_flight(self) -> int:
        return self.concurrency if self.limit is None else min(self.concurrency, self.limit.current)

    def new_phase(self) -> None:
        """Other requests from now on (a listing of users after the connections): answers per second
        measured so far say nothing of them."""
        if self.limit is not None:
            self.limit.reset()

    # -- the retry policy, with an interruptible sleep -------------------------------------
    def _call(self, fn: Callable[[], Any]) -> tuple[Any, int]:
        if self.cancel.is_set():
            raise InterruptedRun("interrupted: nothing applied")
        return self.policy.call(fn, sleep=self._sleep, on_retry=self._on_retry)

    def call(self, fn: Callable[[], Any]) -> Any:
        """One request under the retry policy (interruptible): its result."""
        return self._call(fn)[0]

    def _sleep(self, seconds: float) -> None:
        if self.cancel.wait(seconds):
            raise InterruptedRun("interrupted: nothing applied")

    def _on_retry(self, error: BaseException, attempt: int, wait_s: float) -> None:
        with self._lock:
            self.stats.retries += 1
        log.debug("retrying after attempt %d in %.1fs: %s", attempt, wait_s, error)

    # -- sources ----------------------------------------------------------------------------
    def fetch_sources(self) -> None:
        """Page through /sources/all/ (real types, sources without connections)."""
        try:
            raw = fetch_all(self.client, SOURCES_PATH, self.page_size, call=lambda f: self._call(f)[0])
        except AuthError as exc:
            if not exc.is_permission_denied:
                raise  # the token itself was refused (revoked mid-run?): abort, apply nothing
            log.warning("cannot list sources (%s): using the sources seen inside connections", exc)
            self.stats.refused_endpoints.append(API_PREFIX + SOURCES_PATH)
            return
        except ApiError as exc:
            log.warning("cannot list sources (%s): using the sources seen inside connections", exc)
            self._error(None, "sources", exc)
            return
        rows, mappings = [], []
        for item in raw:
            try:
                source = models.parse_source(item)
            except models.PayloadError as exc:
                self.stager.add_errors([self._error_dict(None, "sources", None, f"unreadable source: {exc}")])
                continue
            rows.append(models.source_row(source, item, authoritative=True))
            mappings.extend(models.mapping_rows(source))
        self.stager.add_sources(rows, mappings)
        self.stats.sources_complete = len(rows) == len(raw)

    def stage_nested_sources(self) -> None:
        rows, mappings = [], []
        for source, raw in self._sources.values():
            rows.append(models.source_row(source, raw, authoritative=False))
            mappings.extend(models.mapping_rows(source))
        self.stager.add_sources(rows, mappings)
        self._sources.clear()

    # -- connections ------------------------------------------------------------------------
    def run(self, ids: Iterable[int] | None = None) -> SyncResult:
        """Discover (or take the explicit ids) and fetch every connection."""
        if ids is None:
            self._run_pool(lambda runner: runner.discover())
        else:
            explicit = list(ids)
            self._record_discovery(explicit)
            self._run_pool(lambda runner: runner.retrieve(explicit))
        # A rare duplicate after a shifted page is fetched twice and de-duplicated by the apply:
        # what was discovered is counted in SQL, once, at the end (no set of ids in memory).
        self.stats.discovered = self.stager.count_distinct("stg_seen")
        return self.stats

    def take_listed(self, items: list[Any]) -> list[int]:
        """Connections listed outside discovery (an incremental walk, a source listed again): staged
        as they are in list mode; in retrieve mode their ids are returned, to retrieve."""
        ids = _listed_ids(items)
        self._record_discovery(ids)
        if self.mode != "list":
            return ids
        out = Outcome()
        for item in items:
            self._validate(item, out)
        self.take(out)
        return []

    def retrieve_ids(self, ids: list[int]) -> None:
        """Retrieve these ids (empty: only stage what was taken so far)."""
        self._run_pool(lambda runner: runner.retrieve(ids))
        self.stats.discovered = self.stager.count_distinct("stg_seen")

    def forget_counts(self) -> None:
        """Before a full fetch that replaces an abandoned incremental one: what it staged stays
        (the full fetch's rows come later and win), its counts go."""
        self.stats.fetched = self.stats.failed = self.stats.gone = self._listed = 0

    def _record_discovery(self, ids: list[int]) -> None:
        """The one place discovered ids are recorded (listed pages and explicit ids alike)."""
        self.stager.add_ids("stg_seen", ids)
        self._listed += len(ids)

    def verify(self, candidates: list[int]) -> None:
        """Retrieve connections the database holds but discovery did not return: 404 = deleted."""
        if candidates:
            log.info("checking %d connection(s) not returned by the listing", len(candidates))
            self.stats.verified = len(candidates)
            self._run_pool(lambda runner: runner.retrieve(candidates))

    def _run_pool(self, setup: Callable[[Dispatcher], None]) -> None:
        self.new_phase()
        pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="fetch")
        try:
            runner = Dispatcher(
                self, pool, concurrency=self.concurrency, list_mode=self.mode == "list", cancel=self.cancel
            )
            setup(runner)
            runner.drain()
        except BaseException:
            # Do not wait for calls in flight: they only do HTTP, and may hang until a timeout.
            self.cancel.set()
            pool.shutdown(wait=False, cancel_futures=True)
            raise
        pool.shutdown(wait=True)
        self.stage_nested_sources()
        self.stager.flush()
        self.stats.http = dict(self.client.status_counts)

    # -- worker tasks (run in the pool) -------------------------------------------------------
    def retrieve_many(self, pks: list[int]) -> Outcome:
        """Retrieve a few connections one after the other: one task, one hand-off to the caller."""
        out = Outcome()
        for pk in pks:
            self.retrieve_one(pk, out)
        return out

    def retrieve_one(self, pk: int, out: Outcome | None = None) -> Outcome:
        path = f"{CONNECTIONS_PATH}{pk}/"
        out = Outcome() if out is None else out
        try:
            payload, _ = self._call(lambda: self.client.get_json(path))
        except NotFoundError as exc:
            out.gone.append(pk)
            out.errors.append(self._error_dict(pk, "retrieve", exc, "deleted since discovery"))
            return out
        except AuthError:
            raise
        except ApiError as exc:
            out.errors.append(self._error_dict(pk, "retrieve", exc))
            return out
        self._validate(payload, out, expected_pk=pk)
        return out

    def list_page(self, page: int) -> Outcome:
        result, _ = self._call(lambda: fetch_page(self.client, CONNECTIONS_PATH, page, self.page_size))
        out = Outcome(page=result, listed_ids=_listed_ids(result.results))
        if self.mode == "list":
            for item in result.results:
                self._validate(item, out)
        return out

    def _validate(self, payload: Any, out: Outcome, expected_pk: int | None = None) -> None:
        pk = payload.get("pk") if isinstance(payload, dict) else None
        pk = expected_pk if expected_pk is not None else (pk if isinstance(pk, int) else None)
        try:
            conn = self._source_cache.parse_connection(payload)
            if expected_pk is not None and conn.pk != expected_pk:
                raise models.PayloadError(f"asked for connection {expected_pk}, got pk {conn.pk}")
        except models.PayloadError as exc:
            out.errors.append(self._error_dict(pk, "validate", None, f"unreadable connection: {exc}"))
            return
        if self.stats.api_shape is None:
            self.stats.api_shape = models.api_shape(payload)
        out.rows.append(models.connection_row(conn, models.dump_payload(payload)))
        source = conn.source_object
        assert source is not None
        out.sources.append((source, models.raw_source_of(payload)))

    # -- bookkeeping (calling thread) ---------------------------------------------------------
    def take(self, out: Outcome) -> None:
        if out.page is not None:
            self._record_discovery(out.listed_ids)
        for row in out.rows:
            self.stager.add_connection(row)
        for source, raw in out.sources:
            self._sources[source.pk] = (source, raw)
        self.stats.fetched += len(out.rows)
        self.stats.failed += sum(1 for e in out.errors if e["http_status"] != 404)
        self.stats.gone += len(out.gone)
        self.stager.add_errors(out.errors)
        self.stager.add_ids("stg_gone", out.gone)
        if self.on_progress:
            self.on_progress(self.stats.fetched + self.stats.failed + self.stats.gone, self._listed)

    def page_failed(self, number: int, error: ApiError) -> None:
        self._error(None, "discover", error)
        self.stats.discovery_errors += 1

    def _error(self, pk: int | None, stage: str, exc: ApiError) -> None:
        self.stager.add_errors([self._error_dict(pk, stage, exc)])

    @staticmethod
    def _error_dict(
        pk: int | None, stage: str, exc: ApiError | None, text: str | None = None
    ) -> dict[str, Any]:
        return {
            "connection_pk": pk,
            "stage": stage,
            "http_status": exc.status if exc else None,
            "attempts": exc.attempts if exc else 1,
            "error": text or str(exc),
            "at": now(),
        }


def _listed_ids(results: list[Any]) -> list[int]:
    return [item["pk"] for item in results if isinstance(item, dict) and isinstance(item.get("pk"), int)]
