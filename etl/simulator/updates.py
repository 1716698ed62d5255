"""Connections changed after they were generated (`touch`), and the `last_updated` ordering.

Like a real authentik, a changed connection gets a new `last_updated` (here: a simulated clock
after every generated time, one second per touch, a microsecond per connection) and a changed
identifier (`-r1`, `-r2`, ...). From 2025.4 (the connection has `last_updated`) the list endpoint
honours `ordering=last_updated` / `-last_updated`, with an optional second field as tie-break (DRF's
OrderingFilter); before, the field does not exist and the ordering is silently ignored, as 2024.10.5
does (tried on both real servers).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

ORDER_FIELDS = ("pk", "created", "last_updated")


class Updates:
    def __init__(self, clock_us: int) -> None:
        self.clock_us = clock_us  # after every generated created/last_updated
        self.touched: dict[int, tuple[int, int]] = {}  # pk -> (last_updated, revision)
        self.version = 0  # bumped on every mutation: ordered listings are cached per version
        # A server that answers a last_updated ordering in its default order (tests of the fallback)
        self.ignore_ordering = False
        self._cache: dict[tuple[object, ...], list[int]] = {}

    def changed(self) -> None:
        self.version += 1
        self._cache.clear()

    def touch(self, pks: Iterable[int], at_us: int | None = None) -> None:
        """A new last_updated for each: the simulated clock's next second (a microsecond apart), or
        exactly `at_us` for all of them (equal timestamps, a skewed clock, a late commit)."""
        if at_us is None:
            self.clock_us += 1_000_000
        for i, pk in enumerate(pks):
            _, revision = self.touched.get(pk, (0, 0))
            self.touched[pk] = (self.clock_us + i if at_us is None else at_us, revision + 1)
        self.changed()

    def of(self, pk: int, updated: int) -> tuple[int, int]:
        """(last_updated, revision) of a connection whose generated last_updated is `updated`."""
        return self.touched.get(pk, (updated, 0))

    def ordered(
        self,
        key: tuple[object, ...],
        fields: list[str],
        pks: Callable[[], list[int]],
        updated: Callable[[int], int],
    ) -> list[int]:
        """The pks in the order of `fields` (e.g. ["-last_updated", "pk"]), cached until a mutation."""
        got = self._cache.get(key)
        if got is None:
            got = pks()
            for field in reversed(fields):  # stable sorts, the last field first
                desc, name = field.startswith("-"), field.lstrip("-")
                sort_key = updated if name == "last_updated" else None  # pk and created follow pk
                got.sort(key=sort_key, reverse=desc)
            self._cache[key] = got
        return got


def parse_ordering(ordering: str, has_last_updated: bool) -> list[str] | None:
    """The valid fields of an `ordering` parameter when it asks for last_updated, else None (the
    caller's own pk / created / default handling applies). Unknown fields are dropped, as DRF does."""
    fields = [f.strip() for f in ordering.split(",") if f.strip().lstrip("-") in ORDER_FIELDS]
    if not has_last_updated or not fields or fields[0].lstrip("-") != "last_updated":
        return None
    return fields[:2]
