"""Dispatching a fetch: which call goes next, with at most `concurrency` in flight.

List pages and retrieves share one pool. In retrieve mode one page is listed at a time while its ids
are retrieved (discovery and retrieval pipelined); in list mode every slot may list a page. Results
come back on a completion queue and are handed to the Fetcher in the calling thread.
"""

from __future__ import annotations

import logging
import queue
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import TYPE_CHECKING, Any

from authentik_etl.core.errors import ApiError, AuthError, InterruptedRun, NotFoundError

if TYPE_CHECKING:
    from authentik_etl.extract.fetching import Fetcher, Outcome

log = logging.getLogger("authentik_etl.extract.fetching")
CANCEL_POLL_SECONDS = 0.25
RETRIEVES_PER_TASK = 8  # fewer hand-offs to the calling thread; requests in flight stay <= concurrency
QUEUE_LOW = 1_000  # list the next page only when fewer ids than this wait: memory stays flat


class Dispatcher:
    """The scheduling loop of one fetch: keeps at most `concurrency` calls in flight."""

    def __init__(self, fetcher: Fetcher, pool: ThreadPoolExecutor) -> None:
        self.f, self.pool = fetcher, pool
        self.queue: deque[int] = deque()
        self.inflight: dict[Future[Outcome], tuple[str, int]] = {}
        self.done: queue.SimpleQueue[Future[Outcome]] = queue.SimpleQueue()
        self.pages_inflight = 0
        self.next_page = 0  # 0: no discovery
        self.last_page = 0
        self.first_count: int | None = None
        self.pages_done = 0

    def explicit(self, ids: list[int]) -> None:
        self.f.stats.discovered = len(ids)
        self.f.stager.add_ids("stg_seen", ids)
        self.queue.extend(ids)

    def discover(self) -> None:
        self.next_page = 1
        self.last_page = 1

    def drain(self) -> None:
        """Run until nothing is queued or in flight; completions arrive on a queue, in any order."""
        while True:
            self._fill()
            if not self.inflight:
                return
            try:
                future = self.done.get(timeout=CANCEL_POLL_SECONDS)
            except queue.Empty:
                future = None
            if self.f.cancel.is_set():
                raise InterruptedRun("interrupted: nothing applied")
            if future is not None:
                kind, number = self.inflight.pop(future)
                self.pages_inflight -= kind == "page"
                self._handle(kind, number, future)

    def _fill(self) -> None:
        allowed = self.f.allowed_in_flight()
        page_slots = allowed if self.f.mode == "list" else 1
        while len(self.inflight) < allowed:
            can_page = self.next_page and self.next_page <= self.last_page and len(self.queue) < QUEUE_LOW
            if can_page and self.pages_inflight < page_slots and (self.next_page == 1 or self.pages_done):
                self.pages_inflight += 1
                self.next_page += 1
                self._submit(("page", self.next_page - 1), self.f.list_page, self.next_page - 1)
            elif self.queue:
                size = max(1, min(RETRIEVES_PER_TASK, len(self.queue) // self.f.concurrency))
                pks = [self.queue.popleft() for _ in range(size)]
                self._submit(("retrieve", pks[0]), self.f.retrieve_many, pks)
            else:
                return

    def _submit(self, key: tuple[str, int], task: Callable[[Any], Outcome], arg: Any) -> None:
        future = self.pool.submit(task, arg)
        self.inflight[future] = key
        future.add_done_callback(self.done.put)

    def _handle(self, kind: str, number: int, future: Future[Outcome]) -> None:
        try:
            out = future.result()
        except NotFoundError:
            if kind != "page" or number == 1:
                raise
            log.warning("list page %d vanished while paging (the list shrank); continuing", number)
            self._stop_paging()
            return
        except AuthError:
            raise
        except ApiError as exc:
            if number == 1:
                raise  # nothing discovered at all: the run fails
            log.warning("list page %d failed after retries: %s", number, exc)
            self.f._error(None, "discover", exc)
            self.f.stats.discovery_errors += 1
            return
        if kind == "page":
            self._take_page(out)
        self.f.absorb(out)

    def _take_page(self, out: Outcome) -> None:
        page = out.page
        assert page is not None
        self.pages_done += 1
        if self.first_count is None:
            self.first_count = page.count
        elif page.count != self.first_count:
            log.warning(
                "the connection list changed while paging (count %d, now %d): connections it shifted "
                "past are checked one by one at the end",
                self.first_count,
                page.count,
            )
            self.first_count = page.count
        self.last_page = max(self.last_page, page.total_pages, page.next)
        ids = [
            item["pk"] for item in page.results if isinstance(item, dict) and isinstance(item.get("pk"), int)
        ]
        # No set of seen ids in memory (70 MB at 1M): a rare duplicate after a shifted page is
        # fetched twice and de-duplicated by the apply; `discovered` is counted in SQL at the end.
        self.f.stats.discovered += len(ids)
        self.f.stager.add_ids("stg_seen", ids)
        if self.f.mode == "retrieve":
            self.queue.extend(ids)

    def _stop_paging(self) -> None:
        self.last_page = min(self.last_page, self.next_page - 1)
