"""Reading a whole listing (users, groups): page 1, then the other pages in parallel.

authentik pages by number, so once page 1 tells how many pages there are, the rest can be asked for
at once (at most `in_flight` at a time, the sync's --concurrency). A listing is complete only when
every page answered and its `count` did not move while paging: only a complete listing may mark
anything deleted.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from itertools import islice
from typing import Any

from authentik_etl.core.errors import ApiError, NotFoundError
from authentik_etl.extract.client import AuthentikClient
from authentik_etl.extract.pagination import Page, fetch_page


@dataclass
class Listing:
    complete: bool = True
    count: int = 0
    errors: list[ApiError] = field(default_factory=list)


def walk(
    client: AuthentikClient,
    path: str,
    *,
    params: dict[str, str],
    page_size: int,
    in_flight: int,
    call: Callable[[Callable[[], Page]], Page],
    on_page: Callable[[list[Any]], None],
) -> Listing:
    """Hand every page's results to `on_page`, in page order, as they arrive; raises the first
    page's error (403, 404: the caller decides). At most 2 x in_flight pages wait in memory."""

    def page(number: int) -> Page:
        return call(lambda: fetch_page(client, path, number, page_size, params))

    first = page(1)
    listing = Listing(count=first.count)
    on_page(list(first.results))
    numbers = iter(range(2, first.total_pages + 1))
    with ThreadPoolExecutor(max(1, in_flight), thread_name_prefix="list") as pool:
        window: deque[Future[Page]] = deque(pool.submit(page, n) for n in islice(numbers, 2 * in_flight))
        while window:
            future = window.popleft()
            window.extend(pool.submit(page, n) for n in islice(numbers, 1))
            try:
                got = future.result()
            except NotFoundError:  # the list shrank while paging
                listing.complete = False
                continue
            except ApiError as exc:
                listing.errors.append(exc)
                listing.complete = False
                continue
            on_page(got.results)
            listing.complete &= got.count == first.count
    return listing
