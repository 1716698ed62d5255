"""Dispatching a fetch: which call goes next, with at most `concurrency` in flight.

List pages and retrieves share one pool. In retrieve mode one page is listed at a time while its ids
are retrieved (discovery and retrieval pipelined); in list mode every slot may list a page. Results
come back on a completion queue and are handed over (work.Tasks.take) in the calling thread.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from typing import Any

from authentik_etl.core.errors import ApiError, AuthError, InterruptedRun, NotFoundError
from authentik_etl.extract.work import Outcome, Tasks

log = logging.getLogger("authentik_etl.extract.fetching")
CANCEL_POLL_SECONDS = 0.25
RETRIEVES_PER_TASK = 8  # fewer hand-offs to the calling thread; requests in flight stay <= concurrency
QUEUE_LOW = 1_000  # list the next page only when fewer ids than this wait: memory stays flat


class Dispatcher:
    """The scheduling loop of one fetch: keeps at most `concurrency` calls in flight."""

    def __init__(
        self,
        tasks: Tasks,
        pool: ThreadPoolExecutor,
        *,
        concurrency: int,
        list_mode: bool,
        cancel: threading.Event,
    ) -> None:
        self.tasks, self.pool = tasks, pool
        self.concurrency, self.list_mode, self.cancel = concurrency, list_mode, cancel
        self.queue: deque[int] = deque()
        self.inflight: dict[Future[Outcome], tuple[str, int]] = {}
        self.done: queue.SimpleQueue[Future[Outcome]] = queue.SimpleQueue()
        self.pages_inflight = 0
        self.next_page = 0  # 0: no discovery
        self.last_page = 0
        self.first_count: int | None = None
        self.pages_done = 0

    def retrieve(self, ids: list[int]) -> None:
        """Queue these ids for retrieval (explicit ids, or the ones a listing missed)."""
        self.queue.extend(ids)

    def discover(self) -> None:
        """Page through the connection list (and, in retrieve mode, retrieve what it names)."""
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
            if self.cancel.is_set():
                raise InterruptedRun("interrupted: nothing applied")
            if future is not None:
                kind, number = self.inflight.pop(future)
                self.pages_inflight -= kind == "page"
                self._handle(kind, number, future)

    def _fill(self) -> None:
        allowed = self.tasks.allowed_in_flight()
        page_slots = allowed if self.list_mode else 1
        while len(self.inflight) < allowed:
            can_page = self.next_page and self.next_page <= self.last_page and len(self.queue) < QUEUE_LOW
            if can_page and self.pages_inflight < page_slots and (self.next_page == 1 or self.pages_done):
                self.pages_inflight += 1
                self.next_page += 1
                self._submit(("page", self.next_page - 1), self.tasks.list_page, self.next_page - 1)
            elif self.queue:
                size = max(1, min(RETRIEVES_PER_TASK, len(self.queue) // self.concurrency))
                pks = [self.queue.popleft() for _ in range(size)]
                self._submit(("retrieve", pks[0]), self.tasks.retrieve_many, pks)
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
            self.tasks.page_failed(number, exc)
            return
        if kind == "page":
            self._take_page(out)
        self.tasks.take(out)

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
        if not self.list_mode:
            self.queue.extend(out.listed_ids)

    def _stop_paging(self) -> None:
        self.last_page = min(self.last_page, self.next_page - 1)
