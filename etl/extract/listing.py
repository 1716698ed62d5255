"""Reading a whole listing (users, groups): page 1, then the other pages in parallel.

authentik pages by number, so once page 1 tells how many pages there are, the rest can be asked for
at once (at most `in_flight` at a time, the sync's --concurrency). A listing is complete only when
every page answered and its `count` did not move while paging: only a complete listing may mark
anything deleted.
"""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from authentik_etl.core.errors import ApiError, NotFoundError
from authentik_etl.extract.client import AuthentikClient
from authentik_etl.extract.pagination import Page, fetch_page


@dataclass
class Listing:
    results: list[Any] = field(default_factory=list)
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
) -> Listing:
    """Every result of `path`; raises the first page's error (403, 404: the caller decides)."""

    def page(number: int) -> Page:
        return call(lambda: fetch_page(client, path, number, page_size, params))

    first = page(1)
    listing = Listing(list(first.results), count=first.count)
    with ThreadPoolExecutor(max(1, in_flight), thread_name_prefix="list") as pool:
        futures = [pool.submit(page, n) for n in range(2, first.total_pages + 1)]
        for future in futures:
            try:
                got = future.result()
            except NotFoundError:  # the list shrank while paging
                listing.complete = False
                continue
            except ApiError as exc:
                listing.errors.append(exc)
                listing.complete = False
                continue
            listing.results.extend(got.results)
            listing.complete &= got.count == first.count
    return listing
