"""Listing only what changed: connections newest first (`ordering=-last_updated,pk`), down to a time.

authentik has no "changed since" filter on connections, but from 2025.4 a connection carries
`last_updated` and the list endpoint takes any serializer field as ordering (DRF's OrderingFilter).
So an incremental run pages newest first and stops after the first page that reaches back past
`since` (the last successful run's watermark minus a safety margin).

Never trust the parameter: a server that ignores it (2024.10.5 answers in its default order, with
200) or a shape without `last_updated` would make the walk stop early and miss changes. Every page
is checked: each item must carry a `last_updated`, newest first, ties by pk, and across page
boundaries too. Anything else raises NotIncremental with the reason, and the caller syncs in full.

Rows only move towards the front while paging (an update makes a row the newest), so nothing is
skipped by an update: rows shift one place back and a page may repeat one (the apply keeps one).
A deletion shifts rows forward and could skip one across a page boundary: when the listing's
`count` moves while paging, the walk starts again (twice at most, then NotIncremental).
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from itertools import count as numbers
from typing import Any

from authentik_etl.core.errors import NotFoundError
from authentik_etl.extract.client import AuthentikClient
from authentik_etl.extract.pagination import Page, fetch_page

ORDERING = "-last_updated,pk"
WALKS = 3  # a listing whose count keeps moving is walked at most this often


class NotIncremental(Exception):
    """This listing cannot be read incrementally: the reason, for one log line."""


@dataclass
class Changes:
    count: int = 0  # the listing's count (every connection the token may see)
    pages: int = 0  # pages read, in every walk
    items: int = 0  # items handed over (changed since `since`, repeats included)


@dataclass(frozen=True)
class _Walk:
    """What one walk needs: where to list, from when, how many pages at once, where items go."""

    client: AuthentikClient
    path: str
    since: datetime
    page_size: int
    in_flight: int
    call: Callable[[Callable[[], Page]], Page]
    on_items: Callable[[list[Any]], None]

    def page(self, number: int) -> Page:
        return self.call(
            lambda: fetch_page(self.client, self.path, number, self.page_size, {"ordering": ORDERING})
        )


def walk_changed(
    client: AuthentikClient,
    path: str,
    *,
    since: datetime,
    page_size: int,
    in_flight: int,
    call: Callable[[Callable[[], Page]], Page],
    on_items: Callable[[list[Any]], None],
) -> Changes:
    """Hand every item with last_updated >= since to `on_items`, newest first; raise NotIncremental."""
    walk, changes = _Walk(client, path, since, page_size, in_flight, call, on_items), Changes()
    for _ in range(WALKS):
        if _walk_once(walk, changes):
            return changes
    raise NotIncremental(f"the connection list kept changing while paging ({WALKS} walks)")


def _walk_once(walk: _Walk, changes: Changes) -> bool:
    """One walk from page 1; False when the listing's count moved while paging (walk again)."""
    order = _Order()
    first_count: int | None = None
    with ThreadPoolExecutor(max(1, walk.in_flight), thread_name_prefix="changes") as pool:
        ahead: deque[Future[Page]] = deque()
        pages = numbers(1)
        ahead.append(pool.submit(walk.page, next(pages)))
        while ahead:
            try:
                got = ahead.popleft().result()
            except NotFoundError:  # a page past the end: the list shrank while paging
                _cancel(ahead)
                return False
            changes.pages += 1
            if first_count is None:
                first_count = changes.count = got.count
            elif got.count != first_count:
                _cancel(ahead)
                return False
            wanted, reached = order.check(got.results, walk.since)
            changes.items += len(wanted)
            if wanted:
                walk.on_items(wanted)
            if reached or not got.next:
                _cancel(ahead)
                return True
            # Read ahead: up to in_flight pages, while the walk has not reached `since`.
            while len(ahead) < walk.in_flight:
                number = next(pages)
                if number > got.total_pages:
                    break
                ahead.append(pool.submit(walk.page, number))
    return True


def _cancel(ahead: deque[Future[Page]]) -> None:
    for future in ahead:
        future.cancel()


class _Order:
    """Checks that the items really come newest first, ties by pk, across pages."""

    def __init__(self) -> None:
        self.last: tuple[datetime, int] | None = None

    def check(self, items: list[Any], since: datetime) -> tuple[list[Any], bool]:
        """The items changed since `since`, and whether the page reached back past it."""
        wanted = []
        for item in items:
            key = _key(item)
            if self.last is not None and (key[0], -key[1]) > (self.last[0], -self.last[1]):
                raise NotIncremental(
                    "the server did not honour ordering=-last_updated,pk (the list is not newest first)"
                )
            self.last = key
            if key[0] < since:
                return wanted, True
            wanted.append(item)
        return wanted, False


def _key(item: Any) -> tuple[datetime, int]:
    if not isinstance(item, dict) or "last_updated" not in item:
        raise NotIncremental("this API shape has no last_updated on connections (authentik before 2025.4)")
    pk, value = item.get("pk"), item.get("last_updated")
    try:
        when = datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        raise NotIncremental(f"a connection's last_updated {value!r} is not a timestamp") from None
    if when.tzinfo is None or not isinstance(pk, int):
        raise NotIncremental(f"a connection's last_updated {value!r} has no time zone, or its pk no number")
    return when, pk
