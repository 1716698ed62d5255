"""Compact storage of connection primary keys: no per-connection objects.

Live pks are ``1..top`` minus a sorted list of gaps (deleted pks), so a million connections
cost a few hundred kilobytes.  Users are assigned to pks by a fixed repeating pattern of group
sizes (1 to 3 connections per user), so a pk's user and a user's pks are pure arithmetic.
"""

from __future__ import annotations

from array import array
from bisect import bisect_left, bisect_right, insort
from collections.abc import Callable, Iterable, Iterator, MutableSequence
from dataclasses import dataclass
from heapq import merge
from itertools import islice

M64 = (1 << 64) - 1
GOLDEN = 0x9E3779B97F4A7C15  # 2**64 / golden ratio, odd

FIRST_USER = 5  # users 1..4 are authentik's own (akadmin, outpost and service accounts)
GROUP_SIZES = (1, 2, 1, 3, 1, 1, 2, 1, 2, 1)  # connections per user, repeating
CYCLE = sum(GROUP_SIZES)
USERS_PER_CYCLE = len(GROUP_SIZES)
_GROUP_START = [sum(GROUP_SIZES[:i]) for i in range(USERS_PER_CYCLE)]
SLOT = [(u, k, size) for u, size in enumerate(GROUP_SIZES) for k in range(size)]


def mix64(x: int) -> int:
    """splitmix64's finaliser: a cheap, well-spread deterministic hash of an integer."""
    x &= M64
    x = ((x ^ (x >> 30)) * 0xBF58476D1CE4E5B9) & M64
    x = ((x ^ (x >> 27)) * 0x94D049BB133111EB) & M64
    return x ^ (x >> 31)


def user_slot(pk: int) -> tuple[int, int, int]:
    """Generated pk -> (user, index within the user's group, group size)."""
    cycle, rest = divmod(pk - 1, CYCLE)
    offset, k, size = SLOT[rest]
    return FIRST_USER + cycle * USERS_PER_CYCLE + offset, k, size


def user_pks(user: int) -> range:
    """The generated pks (live or not) that belong to a user."""
    if user < FIRST_USER:
        return range(0)
    cycle, offset = divmod(user - FIRST_USER, USERS_PER_CYCLE)
    start = cycle * CYCLE + _GROUP_START[offset] + 1
    return range(start, start + GROUP_SIZES[offset])


class PkSpace:
    """The set of live pks: ``1..top`` minus ``gaps``; positions map to pks in O(log gaps)."""

    def __init__(self, top: int, gaps: Iterable[int] = ()) -> None:
        self.top = top
        self._gaps = sorted(set(gaps))
        self._gapset = set(self._gaps)
        self._reindex()

    def _reindex(self) -> None:
        # _keys[j] = gaps[j] - j is non-decreasing; the number of gaps below the pk at
        # position p is bisect_right(_keys, p + 1).
        self._keys = [g - j for j, g in enumerate(self._gaps)]

    def __len__(self) -> int:
        return self.top - len(self._gaps)

    def __contains__(self, pk: object) -> bool:
        return isinstance(pk, int) and 1 <= pk <= self.top and pk not in self._gapset

    def __iter__(self) -> Iterator[int]:
        gaps = self._gapset
        return (pk for pk in range(1, self.top + 1) if pk not in gaps)

    def pk_at(self, pos: int) -> int:
        """The live pk at 0-based position ``pos`` in ascending order."""
        return pos + 1 + bisect_right(self._keys, pos + 1)

    def ascending(self, start: int, stop: int) -> list[int]:
        """Live pks at positions ``start..stop-1`` in ascending order."""
        stop = min(stop, len(self))
        if start >= stop:
            return []
        out: list[int] = []
        pk, want, gaps = self.pk_at(start), stop - start, self._gapset
        while len(out) < want:
            if pk not in gaps:
                out.append(pk)
            pk += 1
        return out

    def descending(self, start: int, stop: int) -> list[int]:
        """Live pks at positions ``start..stop-1`` in descending order."""
        count = len(self)
        stop = min(stop, count)
        if start >= stop:
            return []
        out: list[int] = []
        pk, want, gaps = self.pk_at(count - 1 - start), stop - start, self._gapset
        while len(out) < want:
            if pk not in gaps:
                out.append(pk)
            pk -= 1
        return out

    def allocate(self) -> int:
        """A new pk, like a database sequence: one above the highest ever allocated."""
        self.top += 1
        return self.top

    def remove(self, pk: int) -> None:
        if pk not in self:
            raise KeyError(pk)
        insort(self._gaps, pk)
        self._gapset.add(pk)
        self._reindex()

    def remove_many(self, pks: Iterable[int]) -> None:
        new = {pk for pk in pks if pk in self}
        if new:
            self._gapset |= new
            self._gaps = sorted(self._gapset)
            self._reindex()


def sorted_remove(seq: MutableSequence[int], pk: int) -> None:
    """Remove ``pk`` from a sorted list or ``array('q')`` if present."""
    i = bisect_left(seq, pk)
    if i < len(seq) and seq[i] == pk:
        del seq[i]


@dataclass(frozen=True, slots=True)
class Selection:
    """An ordered, filtered list of connection pks: its size and a slice accessor."""

    count: int
    fetch: Callable[[int, int], list[int]]


def concat(arrays: list[array]) -> Callable[[int, int], list[int]]:
    """Slicing over sorted arrays laid end to end (authentik's ``source__slug, pk`` order)."""

    def fetch(start: int, stop: int) -> list[int]:
        out: list[int] = []
        for arr in arrays:
            if start < len(arr) and stop > 0:
                out.extend(arr[max(start, 0) : stop])
            start, stop = start - len(arr), stop - len(arr)
        return out

    return fetch


def merged(arrays: list[array], desc: bool) -> Callable[[int, int], list[int]]:
    """Slicing over the pk-ordered union of sorted arrays (descending if ``desc``)."""

    def fetch(start: int, stop: int) -> list[int]:
        if len(arrays) == 1:
            arr = arrays[0]
            if not desc:
                return arr[start:stop].tolist()
            return arr[max(len(arr) - stop, 0) : max(len(arr) - start, 0)].tolist()[::-1]
        seqs = [reversed(a) for a in arrays] if desc else arrays
        return list(islice(merge(*seqs, reverse=desc), start, stop))

    return fetch
