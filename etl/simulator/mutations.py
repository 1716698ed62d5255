"""What tests and benchmarks change in the simulated authentik, as authentik itself would."""

from __future__ import annotations

import json
import threading
from array import array
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from .catalog import FIELDS, SourceRecord
from .index import PkSpace, sorted_remove
from .render import Renderer
from .updates import Updates

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class Mutations:
    """Mixed into Dataset: deletes, adds, source and per-type changes, touched connections."""

    lock: threading.RLock
    updates: Updates
    _space: PkSpace
    _by_source: dict[int, array] | None
    _added: dict[int, tuple[int, int]]
    _added_by_user: dict[int, list[int]]
    _records: dict[int, SourceRecord]
    _render: Renderer
    _attrs: Callable[[int], tuple[int, int]]
    _record: Callable[[str], SourceRecord]
    _user_live: Callable[[int], list[int]]
    _index: Callable[[], dict[int, array]]

    def touch_connections(self, pks: list[int], at: datetime | None = None) -> None:
        """Change these connections as authentik would: a new last_updated and identifier. `at`
        gives them all that last_updated (aware datetime) instead of the simulated clock's next."""
        with self.lock:
            missing = [pk for pk in pks if pk not in self._space]
            if missing:
                raise KeyError(missing[:5])
            at_us = None if at is None else (at - _EPOCH) // timedelta(microseconds=1)
            self.updates.touch(pks, at_us)

    def delete_connection(self, pk: int) -> None:
        with self.lock:
            if pk not in self._space:
                raise KeyError(pk)
            user, sid = self._attrs(pk)
            self.updates.changed()
            self._space.remove(pk)
            if self._by_source is not None:
                sorted_remove(self._by_source[sid], pk)
            if self._added.pop(pk, None) is not None:
                self._added_by_user[user].remove(pk)

    def add_connection(self, user: int, source_slug: str) -> int:
        """A new connection (pk one above the highest ever allocated, like a sequence)."""
        with self.lock:
            self.updates.changed()
            rec = self._record(source_slug)
            if user < 1:
                raise ValueError(f"invalid user id {user}")
            if any(self._attrs(pk)[1] == rec.sid for pk in self._user_live(user)):
                raise ValueError(f"user {user} is already connected to {source_slug!r}")
            pk = self._space.allocate()
            self._added[pk] = (user, rec.sid)
            self._added_by_user.setdefault(user, []).append(pk)
            if self._by_source is not None:
                self._by_source[rec.sid].append(pk)
            return pk

    def update_source(self, slug: str, **fields: Any) -> None:
        """Change source fields (e.g. ``enabled=False``); seen by both endpoints."""
        unknown = set(fields) - set(FIELDS[1:])
        if unknown:
            raise TypeError(f"unknown source field(s): {sorted(unknown)}")
        with self.lock:
            rec = self._record(slug)
            rec.fields.update(json.loads(json.dumps(fields)))
            self._render.invalidate(rec.sid)

    def update_detail(self, slug: str, **fields: Any) -> None:
        """Change per-type fields (e.g. ``group_matching_mode="name_link"``) of /sources/<type>/."""
        with self.lock:
            rec = self._record(slug)
            rec.fields["detail"] = {**(rec.fields.get("detail") or {}), **fields}

    def delete_source(self, slug: str) -> None:
        """Delete a source and all its connections."""
        with self.lock:
            rec = self._record(slug)
            pks = self._index().pop(rec.sid)
            self._space.remove_many(pks)
            for pk in pks:
                added = self._added.pop(pk, None)
                if added is not None:
                    self._added_by_user[added[0]].remove(pk)
            del self._records[rec.sid]
            self._render.invalidate(rec.sid)
            self.updates.changed()
