"""The simulated authentik database: sources and user-source connections.

Connections are never materialised: a generated pk's user, source, identifier and timestamps are
computed from the pk and the seed; only deletions (gaps), added connections and the optional
per-source pk index (built on first need) take memory.
"""

from __future__ import annotations

import json
import random
import threading
from array import array
from datetime import datetime
from typing import Any

from .catalog import SourceRecord, default_sources
from .directory import Directory
from .index import (
    CYCLE,
    FIRST_USER,
    GOLDEN,
    M64,
    SLOT,
    USERS_PER_CYCLE,
    PkSpace,
    Selection,
    concat,
    merged,
    mix64,
    user_pks,
)
from .mutations import Mutations
from .render import Renderer
from .shapes import DEFAULT_SHAPE, features
from .updates import Updates, parse_ordering

T0_US = int((datetime(2026, 11, 29, 17, 1, 22) - datetime(1970, 1, 1)).total_seconds()) * 10**6
STEP_US = 37_000  # ~37 ms between consecutive connections' creation, like a bulk import
PK_ORDER = {"pk": False, "created": False, "-pk": True, "-created": True}


def _matches(rec: SourceRecord, slug: str | None, terms: list[str]) -> bool:
    if slug is not None and rec.slug != slug:
        return False
    return all(t in rec.slug.lower() for t in terms)


class Dataset(Mutations):
    """Sources and connections; thread-safe (``lock``) for mutations while serving."""

    def __init__(self, connections: int, shape: str, seed: int, sources: list[SourceRecord]):
        self.features = features(shape)
        self.shape = self.features.name
        self.seed = seed
        self.lock = threading.RLock()
        # touched connections are updated after every generated or added one (ample room for adds)
        self.updates = Updates(T0_US + (2 * connections + 10_000) * STEP_US)
        self._records = {r.sid: r for r in sources}
        self._prefix = {r.sid: r.slug.removeprefix("etl-") for r in sources}
        self._render = Renderer(self.features)
        self.directory = Directory(self.features, seed)  # users and groups
        self._salt = mix64(seed * 0x9E3779B97F4A7C15 + 0x632BE59BD9B4E019)
        weighted = [r for r in sources if r.weight > 0]
        if connections and not weighted:
            raise ValueError("no source may have connections (all weights are 0)")
        self._table = [r.sid for r in weighted for _ in range(r.weight)]
        self._next = {a.sid: b.sid for a, b in zip(weighted, [*weighted[1:], *weighted[:1]], strict=True)}
        rng = random.Random(seed)
        n_gaps = connections * 3 // 100 or (1 if connections >= 10 else 0)
        self._gen_top = connections + n_gaps
        self._space = PkSpace(self._gen_top, rng.sample(range(1, self._gen_top), n_gaps))
        self._added: dict[int, tuple[int, int]] = {}
        self._added_by_user: dict[int, list[int]] = {}
        self._by_source: dict[int, array] | None = None

    @classmethod
    def generate(
        cls,
        connections: int = 84,
        shape: str = DEFAULT_SHAPE,
        seed: int = 1,
        sources: list[SourceRecord] | None = None,
    ) -> Dataset:
        """A deterministic dataset: same arguments, same data."""
        if sources is None:
            sources = default_sources(telegram=features(shape).telegram)
        return cls(connections, shape, seed, sources)

    @classmethod
    def for_findings(cls, connections: int = 84, shape: str = DEFAULT_SHAPE, seed: int = 1) -> Dataset:
        """The demo's dataset: every finding rule fires at least once (an enabled OIDC email_link
        source besides the real capture's, and one user deleted while its connections stayed)."""
        ds = cls(connections, shape, seed, default_sources(telegram=features(shape).telegram, variety=True))
        ds.directory.removed.add(ds.max_user())
        return ds

    # ----- computed attributes -------------------------------------------------------------

    def _group(self, user: int, size: int) -> list[int]:
        """Distinct sources of a user's generated connections, weighted by source."""
        table, nxt, salt, picks = self._table, self._next, self._salt, []
        for j in range(size):
            # multiplicative hashing: the top bits of (key * odd constant) are well spread
            key = (user << 2 | j) ^ salt
            sid = table[(((key * GOLDEN) & M64) >> 40) % len(table)]
            while sid in picks and len(picks) < len(nxt):
                sid = nxt[sid]
            picks.append(sid)
        return picks

    def _attrs(self, pk: int) -> tuple[int, int]:
        """pk -> (user, source id)."""
        added = self._added.get(pk)
        if added is not None:
            return added
        cycle, rest = divmod(pk - 1, CYCLE)
        offset, k, size = SLOT[rest]
        user = FIRST_USER + cycle * USERS_PER_CYCLE + offset
        return user, self._group(user, size)[k]

    def _times(self, pk: int) -> tuple[int, int]:
        h = mix64(self._salt + pk)
        created = T0_US + 500_000 + pk * STEP_US + h % 20_000
        created += created % 10**6 == 0  # never exactly .000000 (DRF would drop the fraction)
        return created, created + 9 + (h >> 32) % 20

    def _index(self) -> dict[int, array]:
        """Per-source sorted arrays of live pks, built once on first need."""
        if self._by_source is None:
            idx: dict[int, array] = {sid: array("q") for sid in self._records}
            last_user, picks, gen_top = -1, [0], self._gen_top
            for pk in self._space:
                if pk > gen_top:
                    idx[self._added[pk][1]].append(pk)
                    continue
                cycle, rest = divmod(pk - 1, CYCLE)
                offset, k, size = SLOT[rest]
                user = FIRST_USER + cycle * USERS_PER_CYCLE + offset
                if user != last_user:
                    last_user, picks = user, self._group(user, size)
                idx[picks[k]].append(pk)
            self._by_source = idx
        return self._by_source

    def prepare(self) -> None:
        """Build the per-source index now (about 1 s per million connections) rather than on
        the first list request that needs it."""
        with self.lock:
            self._index()

    def _record(self, slug: str) -> SourceRecord:
        for rec in self._records.values():
            if rec.slug == slug:
                return rec
        raise KeyError(f"no source with slug {slug!r}")

    def _user_live(self, user: int) -> list[int]:
        gen = [pk for pk in user_pks(user) if pk <= self._gen_top and pk in self._space]
        return gen + self._added_by_user.get(user, [])

    # ----- reading -------------------------------------------------------------------------

    def connection_count(self) -> int:
        with self.lock:
            return len(self._space)

    def connection_pks(self) -> list[int]:
        """Sorted live pks (a full list: mind the size with a million connections)."""
        with self.lock:
            return list(self._space)

    def has_connection(self, pk: int) -> bool:
        with self.lock:
            return pk in self._space

    def connection_user(self, pk: int) -> int | None:
        """The user pk of a live connection, or None when it does not exist."""
        with self.lock:
            return self._attrs(pk)[0] if pk in self._space else None

    def connection_json(self, pk: int) -> str | None:
        """The retrieve body of a connection as JSON text, or None when it does not exist."""
        with self.lock:
            if pk not in self._space:
                return None
            user, sid = self._attrs(pk)
            ident = f"{self._prefix[sid]}-id-{user - FIRST_USER + 1:02d}"
            created, updated = self._times(pk)
            updated, revision = self.updates.of(pk, updated)
            ident += f"-r{revision}" if revision else ""
            return self._render.connection(pk, user, self._records[sid], ident, created, updated)

    def connection(self, pk: int) -> dict[str, Any]:
        """Exactly what retrieve returns for ``pk`` (KeyError when it does not exist)."""
        text = self.connection_json(pk)
        if text is None:
            raise KeyError(pk)
        return json.loads(text)

    def source_jsons(self, filters: dict[str, str] | None = None, search: str = "") -> list[str]:
        """/sources/all/ results as JSON texts, in the real order; exact-match ``filters`` on
        slug/name/managed and ``search`` (every term in slug or name) as authentik applies."""
        terms = search.lower().replace(",", " ").split()
        with self.lock:
            recs = list(self._records.values())
            if self.features.sources_by_pk:
                recs.sort(key=lambda r: str(r.fields["pk"]))
            out = []
            for rec in recs:
                f = rec.fields
                if any(str(f[k] or "") != v for k, v in (filters or {}).items()):
                    continue
                if all(t in f["slug"].lower() or t in f["name"].lower() for t in terms):
                    out.append(self._render.source(rec))
            return out

    def records(self) -> list[SourceRecord]:
        """The sources in /sources/all/'s order (copies of nothing: read them under the lock)."""
        recs = list(self._records.values())
        return sorted(recs, key=lambda r: str(r.fields["pk"])) if self.features.sources_by_pk else recs

    def sources(self) -> list[dict[str, Any]]:
        """Exactly what /sources/all/ results contain, in its order."""
        return [json.loads(t) for t in self.source_jsons()]

    def source_slugs(self) -> list[str]:
        with self.lock:
            return [r.slug for r in self._records.values()]

    def max_user(self) -> int:
        """Highest existing user id (filtering on a higher one is a 400 in authentik)."""
        with self.lock:
            top = self._attrs(self._gen_top)[0] if self._gen_top else FIRST_USER - 1
            return max([top, *self._added_by_user])

    def select(
        self, ordering: str = "", source_slug: str | None = None, user: int | None = None,
        search: str = "", visible_users: frozenset[int] | None = None,
    ) -> Selection:  # fmt: skip
        """The list endpoint's rows: filters and ordering as authentik applies them (default
        order ``source__slug, pk``; ``pk``/``-pk``/``created``/``-created``; others ignored);
        ``visible_users``: only the connections of these users (a token that sees its own).
        Call and fetch under ``lock`` when mutations may run concurrently."""
        desc, by_pk = PK_ORDER.get(ordering, False), ordering in PK_ORDER
        terms = search.lower().replace(",", " ").split()
        fields = parse_ordering(ordering, self.features.identifier and not self.updates.ignore_ordering)
        if fields is not None:
            return self._select_by_update(fields, (source_slug, user, search, visible_users))
        with self.lock:
            if visible_users is not None:
                users = visible_users if user is None else visible_users & {user}
                return self._select_users(sorted(users), source_slug, terms, by_pk, desc)
            if user is not None:
                return self._select_users([user], source_slug, terms, by_pk, desc)
            if source_slug is None and not terms and by_pk:
                space = self._space
                return Selection(len(space), space.descending if desc else space.ascending)
            recs = sorted(self._records.values(), key=lambda r: r.slug)
            idx = self._index()
            arrays = [idx[r.sid] for r in recs if _matches(r, source_slug, terms)]
            count = sum(len(a) for a in arrays)
            if by_pk and (desc or len(arrays) > 1):
                return Selection(count, merged(arrays, desc))
            return Selection(count, concat(arrays))

    def _select_by_update(self, fields: list[str], filters: tuple[Any, ...]) -> Selection:
        """Ordered by last_updated (see updates.py): the filtered pks, sorted once per mutation."""
        with self.lock:
            base = self.select("pk", *filters)
            got = self.updates.ordered(
                (tuple(fields), *filters), fields, lambda: base.fetch(0, base.count),
                lambda pk: self.updates.of(pk, self._times(pk)[1])[0],
            )  # fmt: skip
            return Selection(len(got), lambda a, b: got[a:b])

    def _select_users(
        self, users: list[int], slug: str | None, terms: list[str], by_pk: bool, desc: bool
    ) -> Selection:
        rows: list[tuple[Any, int]] = []
        for pk in (pk for user in users for pk in self._user_live(user)):
            rec = self._records[self._attrs(pk)[1]]
            if _matches(rec, slug, terms):
                rows.append((pk if by_pk else (rec.slug, pk), pk))
        rows.sort(reverse=desc)
        pks = [pk for _, pk in rows]
        return Selection(len(pks), lambda a, b: pks[a:b])
