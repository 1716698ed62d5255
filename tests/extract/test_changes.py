"""The incremental walk (extract/changes.py) against a listing served from memory: what it hands
over, where it stops, and every answer it must not trust."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from authentik_etl.extract.changes import NotIncremental, walk_changed

T0 = datetime(2026, 1, 1, tzinfo=UTC)


class Listing:
    """GET answers of a connection list: `rows` in the order given, paged as authentik pages."""

    def __init__(self, rows: list[dict]) -> None:
        self.rows, self.pages = rows, []

    def get_json(self, path: str, params: dict) -> dict:
        page, size = int(params["page"]), int(params["page_size"])
        self.pages.append(page)
        total = max(1, -(-len(self.rows) // size))
        chunk = self.rows[(page - 1) * size : page * size]
        return {"pagination": {"next": page + 1 if page < total else 0, "count": len(self.rows),
                               "current": page, "total_pages": total}, "results": chunk}  # fmt: skip


def row(pk: int, seconds: float) -> dict:
    return {"pk": pk, "last_updated": (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")}


def newest_first(rows: list[dict]) -> list[dict]:
    return sorted(sorted(rows, key=lambda r: r["pk"]), key=lambda r: r["last_updated"], reverse=True)


def walk(server: Listing, since: datetime, page_size: int = 10, in_flight: int = 3) -> list[dict]:
    got: list[dict] = []
    walk_changed(server, "/x/", since=since, page_size=page_size, in_flight=in_flight,
                 call=lambda f: f(), on_items=got.extend)  # fmt: skip
    return got


@settings(max_examples=60, deadline=None)
@given(
    stamps=st.lists(st.integers(0, 40), min_size=0, max_size=120),  # many ties
    since=st.integers(-1, 42),
    page_size=st.integers(1, 25),
    in_flight=st.integers(1, 4),
)
def test_it_hands_over_exactly_the_rows_changed_since(stamps, since, page_size, in_flight) -> None:
    rows = newest_first([row(pk, s) for pk, s in enumerate(stamps, start=1)])
    server = Listing(rows)
    got = walk(server, T0 + timedelta(seconds=since), page_size, in_flight)
    assert sorted(r["pk"] for r in got) == sorted(pk for pk, s in enumerate(stamps, start=1) if s >= since)
    wanted_pages = -(-len(got) // page_size) if got else 1
    # it stops after the page that reaches back past `since` (read-ahead may add a few, never all)
    assert set(range(1, wanted_pages + 1)) <= set(server.pages)


def test_it_stops_paging_at_the_watermark() -> None:
    server = Listing(newest_first([row(pk, pk) for pk in range(1, 1001)]))
    got = walk(server, T0 + timedelta(seconds=981), page_size=10, in_flight=1)
    assert [r["pk"] for r in got] == list(range(1000, 980, -1))
    assert server.pages == [1, 2, 3]


def test_a_list_out_of_order_on_a_later_page_is_not_trusted() -> None:
    rows = newest_first([row(pk, pk) for pk in range(1, 101)])
    rows[25], rows[35] = rows[35], rows[25]
    with pytest.raises(NotIncremental, match="did not honour ordering"):
        walk(Listing(rows), T0, page_size=10)


def test_ties_must_come_by_pk() -> None:
    rows = [row(2, 5), row(1, 5)]
    with pytest.raises(NotIncremental, match="did not honour ordering"):
        walk(Listing(rows), T0)


@pytest.mark.parametrize(
    ("item", "reason"),
    [
        ({"pk": 1, "created": "2026-01-01T00:00:00Z"}, "no last_updated"),
        ({"pk": 1, "last_updated": "yesterday"}, "not a timestamp"),
        ({"pk": 1, "last_updated": "2026-01-01T00:00:00"}, "no time zone"),
        ({"pk": "1", "last_updated": "2026-01-01T00:00:00Z"}, "no number"),
    ],
)
def test_an_item_it_cannot_order_is_not_trusted(item, reason) -> None:
    with pytest.raises(NotIncremental, match=reason):
        walk(Listing([item]), T0)
