"""An incremental fetch: the connections changed since a point in time, and every connection of a
source that changed (a connection embeds its source, and a source's change does not touch its
connections' `last_updated`)."""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

from authentik_etl.core.errors import ApiError, AuthError
from authentik_etl.extract import listing
from authentik_etl.extract.changes import Changes, walk_changed
from authentik_etl.extract.fetching import Fetcher
from authentik_etl.extract.pagination import CONNECTIONS_PATH

log = logging.getLogger(__name__)


def fetch_changed(fetcher: Fetcher, since: datetime) -> Changes:
    """Stage the connections changed since `since` (list mode: from the pages; retrieve mode: their
    ids from the ordered list, then one retrieve each). Raises changes.NotIncremental."""
    ids: list[int] = []

    def on_items(items: list[Any]) -> None:
        ids.extend(fetcher.take_listed(items))

    changes = walk_changed(
        fetcher.client, CONNECTIONS_PATH, since=since, page_size=fetcher.page_size,
        in_flight=fetcher.allowed_in_flight(), call=fetcher.call, on_items=on_items,
    )  # fmt: skip
    fetcher.retrieve_ids(ids)
    fetcher.stats.visible_connections = changes.count
    return changes


def relist_sources(fetcher: Fetcher, slugs: list[str]) -> int:
    """List again every connection of these sources (`?source__slug=`), as a full sync would read
    them; the number of connections listed. A listing that fails makes the run partial."""
    ids: list[int] = []
    listed = 0

    def on_page(items: list[Any]) -> None:
        nonlocal listed
        listed += len(items)
        ids.extend(fetcher.take_listed(items))

    for slug in slugs:
        try:
            got = listing.walk(
                fetcher.client, CONNECTIONS_PATH, params={"source__slug": slug}, page_size=fetcher.page_size,
                in_flight=fetcher.allowed_in_flight(), call=fetcher.call, on_page=on_page,
            )  # fmt: skip
        except AuthError:
            raise
        except ApiError as exc:
            got = listing.Listing(complete=False, errors=[exc])
        for error in got.errors:
            log.warning("listing the connections of changed source %s failed: %s", slug, error)
            fetcher.page_failed(0, error)
        if not got.complete and not got.errors:
            log.warning("the connections of changed source %s moved while listed again", slug)
    fetcher.retrieve_ids(ids)
    return listed
