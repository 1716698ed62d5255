"""A full sync, in both modes, holds exactly what authentik's own Postgres tables hold.

Every connection and source present, every value equal, nothing extra: connections (pk, user,
source, created, and identifier / last_updated where the release serves them), sources (base
columns, policy engine mode, real type from the subclass tables), connection types (the subclass
connection tables) and property mappings (the source m2m tables).
"""

from __future__ import annotations

import uuid
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from ak_api import Api
from ak_pg import Postgres
from etl_db import Synced
from etl_run import Real, run_sync

BASE_MODEL = "authentik_core.source"
SOURCE_FIELDS = (
    "name", "slug", "enabled", "authentication_flow", "enrollment_flow", "managed", "user_matching_mode",
    "user_path_template", "policy_engine_mode", "meta_model_name",
)  # fmt: skip


@pytest.fixture(scope="module")
def with_mappings(api: Api, pg: Postgres) -> Iterator[str]:
    """The seeded servers have no property mapping at all: for the duration of this module, a SAML
    source gets two user and one group property mapping (created here), so the m2m comparison
    compares something; afterwards its mappings are put back and the created ones deleted."""
    saml = pg.saml_sources()
    assert saml, "the server has no SAML source to attach property mappings to"
    source_pk, slug, _ = saml[0]
    path = f"/sources/saml/{slug}/"
    before = api.get(path)
    created: list[str] = []
    suffix = uuid.uuid4().hex[:8]
    try:
        for n in range(3):
            body = {"name": f"authentik-etl-real {suffix} {n}", "expression": "return {}"}
            created.append(api.post("/propertymappings/source/saml/", body)["pk"])
        api.patch(
            path,
            {
                "user_property_mappings": [*before["user_property_mappings"], *created[:2]],
                "group_property_mappings": [*before["group_property_mappings"], created[2]],
            },
        )
        yield source_pk
    finally:
        try:
            api.patch(
                path,
                {
                    "user_property_mappings": before["user_property_mappings"],
                    "group_property_mappings": before["group_property_mappings"],
                },
            )
        finally:
            for pk in created:
                api.delete(f"/propertymappings/source/saml/{pk}/")


@pytest.mark.parametrize("mode", ["retrieve", "list"])
def test_sync_matches_postgres(
    mode: str, real: Real, pg: Postgres, db_path: Path, with_mappings: str
) -> None:
    result = run_sync(real, db_path, mode=mode)
    expected_connections = pg.connections()
    assert result.status == "succeeded", result.error
    assert (result.failed, result.deleted) == (0, 0)
    assert result.inserted == len(expected_connections)

    with Synced(db_path) as synced:
        connections = synced.connections(live=False)
        sources = synced.sources()
        mappings = synced.property_mappings()
        open_versions = synced.open_versions()
        runs = synced.runs()

    check_connections(connections, expected_connections)
    check_connection_types(connections, sources, pg.connection_apps())
    check_sources(sources, pg.sources())
    expected_mappings = pg.property_mappings()
    assert {k for k, pks in expected_mappings.items() if k[0] == with_mappings} == {
        (with_mappings, "user"),
        (with_mappings, "group"),
    }
    check_mappings(mappings, expected_mappings)
    assert open_versions == dict.fromkeys(sources, 1), "one open history version per source"
    assert [(r["status"], r["mode"], r["inserted"]) for r in runs] == [
        ("succeeded", mode, len(expected_connections))
    ]


def check_connections(got: dict[int, dict[str, Any]], expected: dict[int, dict[str, Any]]) -> None:
    assert sorted(got) == sorted(expected), diff_keys(got, expected)
    for pk, row in got.items():
        want = expected[pk]
        assert row["deleted_at"] is None, pk
        actual = {name: row[name] for name in ("user_pk", "source_pk", "created")}
        assert actual == {name: want[name] for name in actual}, f"connection {pk}"
        # Fields the release serves must equal the table; fields it does not serve stay empty
        # (2024.10 has last_updated in its table but not in the API; identifier lives in the
        # subclass tables there and is not served by /sources/user_connections/all/ either).
        for name in ("identifier", "last_updated"):
            if name in row["payload"]:
                assert name in want, f"connection {pk}: the API serves {name}, the table has none"
                assert row[name] == want[name], f"connection {pk}: {name}"
            else:
                assert row[name] is None, f"connection {pk}: {name} stored but not served"


def check_connection_types(
    connections: dict[int, dict[str, Any]],
    sources: dict[str, dict[str, Any]],
    apps: dict[int, str | None],
) -> None:
    """Each connection's subclass table is the app of its source's real type."""
    synced_apps: dict[int, str | None] = {}
    for pk, row in connections.items():
        model = sources[row["source_pk"]]["meta_model_name"]
        synced_apps[pk] = None if model == BASE_MODEL else model.split(".")[0]
    assert Counter(synced_apps.values()) == Counter(apps.values())
    assert synced_apps == apps


def check_sources(got: dict[str, dict[str, Any]], expected: dict[str, dict[str, Any]]) -> None:
    assert sorted(got) == sorted(expected), diff_keys(got, expected)
    assert any(row["managed"] == "goauthentik.io/sources/inbuilt" for row in got.values()), "built-in"
    for pk, row in got.items():
        want = expected[pk]
        assert row["deleted_at"] is None, pk
        assert {n: row[n] for n in SOURCE_FIELDS} == {n: want[n] for n in SOURCE_FIELDS}, f"source {pk}"
        # promoted: a column since 2025.12 (NULL in DuckDB before); icon: the stored value where
        # the API also serves icon_url (2025.12+); before, the API's `icon` is the computed URL.
        assert row["promoted"] == want.get("promoted"), f"source {pk}: promoted"
        if "icon_url" in row["payload"]:
            assert row["icon"] == want["icon"], f"source {pk}: icon"
        typed = want["meta_model_name"] != BASE_MODEL
        app_model = want["meta_model_name"].split(".")[1]
        component = f"ak-source-{app_model.removesuffix('source')}-form" if typed else ""
        assert row["component"] == component, f"source {pk}: component"
        assert (row["verbose_name"] == "source") == (not typed), f"source {pk}: verbose_name"
        assert (row["verbose_name_plural"] == "sources") == (not typed), f"source {pk}: plural"


def check_mappings(
    got: dict[tuple[str, str], list[tuple[int, str]]], expected: dict[tuple[str, str], list[str]]
) -> None:
    """The same mappings per source and kind; positions 0..n-1 (the m2m tables keep no order)."""
    assert sorted(got) == sorted(expected), diff_keys(got, expected)
    for key, items in got.items():
        assert [position for position, _ in items] == list(range(len(items))), key
        assert sorted(pk for _, pk in items) == expected[key], key


def diff_keys(got: dict[Any, Any], expected: dict[Any, Any]) -> str:
    missing, extra = set(expected) - set(got), set(got) - set(expected)
    return f"missing {sorted(missing, key=str)[:10]} ({len(missing)}), extra {sorted(extra, key=str)[:10]}"
