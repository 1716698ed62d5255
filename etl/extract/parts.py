"""Users, groups, group connections and per-type source detail (for the findings): one listing
each, walked page by page into staging. A 403 or 404 skips a part (recorded in the run), never fails it.
Mixed into the Fetcher, whose retry policy, stager and counts it uses.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from typing import Any

from authentik_etl.core.config import API_PREFIX
from authentik_etl.core.errors import ApiError, AuthError, NotFoundError
from authentik_etl.core.results import SyncResult
from authentik_etl.extract import directory, listing, models
from authentik_etl.extract.client import AuthentikClient
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

    def fetch_parts(self, parts: Iterable[directory.Part]) -> None:
        """Each part's listing: a 403 or 404 skips it (recorded in the run), never fails the run."""
        for part in parts:
            keys: set[Any] = set()
            got = self._list_part(
                part, lambda items, part=part, keys=keys: self._stage_part(part, items, keys)
            )
            if got is None:
                continue
            self.stats.parts_listed[part.kind] = len(keys)
            if got.complete and part.kind not in self._unreadable:
                self.stats.complete_parts.append(part.kind)

    def _stage_part(self, part: directory.Part, items: list[Any], keys: set[Any]) -> None:
        """One page of a part: flattened and staged (an unreadable item makes the part incomplete)."""
        rows = []
        for item, parsed in zip(items, part.parse(items), strict=True):
            if isinstance(parsed, models.PayloadError):
                self._unreadable.add(part.kind)
                self.stager.add_errors([self._error_dict(None, part.kind, None, f"unreadable: {parsed}")])
            else:
                rows.append(part.row(parsed, item))
        keys.update(row[part.key] for row in rows)
        self.stager.add_directory(part.table, rows)

    def _list_part(
        self, part: directory.Part, on_page: Callable[[list[Any]], None]
    ) -> listing.Listing | None:
        try:
            got = listing.walk(
                self.client, part.path, params=directory.list_params(part.path), page_size=self.page_size,
                in_flight=self.concurrency, call=lambda f: self._call(f)[0], on_page=on_page,
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
