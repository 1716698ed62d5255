"""Users, groups, group connections and per-type source detail (for the findings): one listing
each, walked page by page into staging. A 403 or 404 skips a part (recorded in the run), never fails it.
Mixed into the Fetcher, whose retry policy, stager and counts it uses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from authentik_etl.core.config import API_PREFIX
from authentik_etl.core.errors import ApiError, AuthError, NotFoundError
from authentik_etl.core.results import SyncResult
from authentik_etl.extract import directory, listing, models
from authentik_etl.extract.client import AuthentikClient
from authentik_etl.extract.pagination import fetch_page
from authentik_etl.extract.work import Sink

log = logging.getLogger("authentik_etl.extract.fetching")


class PartListings:
    client: AuthentikClient
    stager: Sink
    stats: SyncResult
    page_size: int
    concurrency: int
    _unreadable: set[str]
    _call: Callable[[Callable[[], Any]], tuple[Any, int]]
    _error: Callable[[int | None, str, ApiError], None]
    _error_dict: Callable[..., dict[str, Any]]
    allowed_in_flight: Callable[[], int]  # pages in flight for each listing (a snapshot when it starts)
    new_phase: Callable[[], None]

    def fetch_parts(self, parts: Iterable[directory.Part], users_since: datetime | None = None) -> None:
        """Each part's listing: a 403 or 404 skips it (recorded in the run), never fails the run.
        With `users_since` (an incremental run), only the users updated after it are asked for."""
        for part in parts:
            self.new_phase()
            keys: set[Any] = set()
            since = users_since if part.kind == "users" else None
            older: list[bool] = []  # a user updated at or before `since`: the filter was ignored
            got = self._list_part(
                part, lambda items, part=part, keys=keys, since=since, older=older:
                self._stage_part(part, items, keys, since, older), since,
            )  # fmt: skip
            if got is None:
                continue
            self.stats.parts_listed[part.kind] = len(keys)
            if not got.complete or part.kind in self._unreadable:
                continue
            if since is not None and not any(older):
                self.stats.incremental_parts.append(part.kind)
                self.stats.parts_visible[part.kind] = self._count(part)
            else:
                self.stats.complete_parts.append(part.kind)

    def _count(self, part: directory.Part) -> int:
        """Every row of a part the token sees (the deletion guard's figure for an incremental read)."""
        params = directory.list_params(part.path)
        return int(self._call(lambda: fetch_page(self.client, part.path, 1, 1, params))[0].count)

    def _stage_part(
        self, part: directory.Part, items: list[Any], keys: set[Any], since: datetime | None,
        older: list[bool],
    ) -> None:  # fmt: skip
        """One page of a part: flattened and staged (an unreadable item makes the part incomplete)."""
        rows = []
        for item, parsed in zip(items, part.parse(items), strict=True):
            if isinstance(parsed, models.PayloadError):
                self._unreadable.add(part.kind)
                self.stager.add_errors([self._error_dict(None, part.kind, None, f"unreadable: {parsed}")])
            else:
                rows.append(part.row(parsed, item))
        if since is not None:
            older.append(any(row["last_updated"] is None or row["last_updated"] <= since for row in rows))
        keys.update(row[part.key] for row in rows)
        self.stager.add_directory(part.table, rows)

    def _list_part(
        self, part: directory.Part, on_page: Callable[[list[Any]], None], users_since: datetime | None = None
    ) -> listing.Listing | None:
        params = directory.list_params(part.path, users_since)
        try:
            got = listing.walk(
                self.client, part.path, params=params, page_size=self.page_size,
                in_flight=self.allowed_in_flight(), call=lambda f: self._call(f)[0], on_page=on_page,
            )  # fmt: skip
        except AuthError as exc:
            if not exc.is_permission_denied:
                raise  # the token itself was refused: abort, apply nothing
            return self._skip(part, f"not visible to this token (403 on {API_PREFIX}{part.path})")
        except NotFoundError:
            if part.in_some_releases:  # nothing of it exists there: complete, and empty (and no warning)
                self.stats.complete_parts.append(part.kind)
            level = logging.INFO if part.in_some_releases else logging.WARNING
            return self._skip(part, f"not in this release (404 on {API_PREFIX}{part.path})", level)
        except ApiError as exc:
            self._error(None, part.kind, exc)
            self.stats.discovery_errors += 1
            return self._skip(part, f"failed: {exc}")
        for exc in got.errors:
            self._error(None, part.kind, exc)
            self.stats.discovery_errors += 1
        return got

    def _skip(self, part: directory.Part, why: str, level: int = logging.WARNING) -> None:
        log.log(level, "%s skipped: %s", part.kind, why)
        self.stats.skipped_parts.append(f"{part.kind}: {why}")
