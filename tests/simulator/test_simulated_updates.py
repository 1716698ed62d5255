"""The simulator's changed connections and `ordering=-last_updated`, as the real servers do it."""

from __future__ import annotations

import pytest
import requests
from conftest import TOKEN

from authentik_etl.simulator import Dataset

LIST = "/api/v3/sources/user_connections/all/"


def listed(sim, **params) -> list[dict]:
    rows, page = [], 1
    while page:
        r = requests.get(sim.url + LIST, params={**params, "page": page, "page_size": 50},
                         headers={"Authorization": f"Bearer {TOKEN}"}, timeout=10)  # fmt: skip
        body = r.json()
        rows += body["results"]
        page = body["pagination"]["next"]
    return rows


def test_touched_connections_come_first_newest_first_with_a_new_identifier(simulator) -> None:
    sim = simulator(Dataset.generate(connections=300, shape="2025.12", seed=80))
    before = {row["pk"]: row for row in listed(sim)}
    sim.dataset.touch_connections([10, 20])
    sim.dataset.touch_connections([30])
    rows = listed(sim, ordering="-last_updated")
    assert [row["pk"] for row in rows[:3]] == [30, 20, 10]
    stamps = [row["last_updated"] for row in rows]
    assert stamps == sorted(stamps, reverse=True)  # every page ordered
    assert rows[0]["identifier"] == before[30]["identifier"] + "-r1"
    assert sorted(row["pk"] for row in rows) == sorted(before)
    assert sim.dataset.connection(30)["last_updated"] == rows[0]["last_updated"]  # retrieve agrees
    ascending = listed(sim, ordering="last_updated,pk")
    assert [row["pk"] for row in ascending[-3:]] == [10, 20, 30]


def test_the_2024_10_shape_ignores_the_ordering_like_the_real_server(simulator) -> None:
    sim = simulator(Dataset.generate(connections=120, shape="2024.10", seed=81))
    sim.dataset.touch_connections([5])
    default = [row["pk"] for row in listed(sim)]
    assert [row["pk"] for row in listed(sim, ordering="-last_updated")] == default
    assert "last_updated" not in listed(sim)[0]


def test_an_unknown_ordering_field_is_ignored_and_a_missing_pk_cannot_be_touched(simulator) -> None:
    sim = simulator(Dataset.generate(connections=80, shape="2025.12", seed=82))
    default = [row["pk"] for row in listed(sim)]
    assert [row["pk"] for row in listed(sim, ordering="-no_such_field")] == default
    with pytest.raises(KeyError):
        sim.dataset.touch_connections([10_000])


def test_a_touched_connection_is_a_new_version_in_the_history(simulator, db_path) -> None:
    from conftest import db_rows, run_sync

    sim = simulator(Dataset.generate(connections=60, shape="2025.12", seed=83))
    run_sync(sim, db_path)
    sim.dataset.touch_connections([7])
    result = run_sync(sim, db_path)
    assert result.updated == 1
    rows = db_rows(db_path, "SELECT count(*) FROM connections_history WHERE connection_pk = 7")
    assert rows == [(2,)]
