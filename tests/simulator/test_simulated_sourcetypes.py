"""The simulator's per-type source listings and group connections: the real servers' fields and order."""

from __future__ import annotations

import pytest
import requests
from conftest import SAMPLES, TOKEN, sample_json

from authentik_etl.extract import directory, sourcetypes
from authentik_etl.simulator import Dataset, Scope

REAL = {"2024.10": "2024.10.5", "2025.12": "2025.12.4"}


def get(sim, path: str, token: str = TOKEN, **params) -> requests.Response:
    return requests.get(
        sim.url + path, params=params, headers={"Authorization": f"Bearer {token}"}, timeout=10
    )


@pytest.mark.parametrize(("shape", "release"), REAL.items())
@pytest.mark.parametrize("kind", ["oauth", "saml", "ldap", "plex", "kerberos", "telegram"])
def test_per_type_items_have_the_real_fields_in_their_order(simulator, shape, release, kind) -> None:
    sim = simulator(Dataset.for_findings(connections=40, shape=shape, seed=2))
    r = get(sim, f"/api/v3/sources/{kind}/")
    if not (SAMPLES / release / f"sources_{kind}.http").read_text().startswith("HTTP/1.1 200"):
        assert r.status_code == 404 and r.headers["content-type"].startswith(
            "text/html"
        )  # not in this release
        return
    real = sample_json(release, f"sources_{kind}")["results"][0]
    got = r.json()["results"][0]
    assert list(got) == list(real)
    assert all(type(got[k]) is type(real[k]) for k in real if real[k] is not None and got[k] is not None), (
        kind
    )


def test_group_connections_have_the_real_fields_and_no_source_obj(simulator) -> None:
    sim = simulator(Dataset.for_findings(connections=40, shape="2025.12", seed=2))
    real = sample_json("2025.12.4", "group_connections_one")
    got = get(sim, "/api/v3/sources/group_connections/all/").json()
    assert list(got) == list(real) and list(got["results"][0]) == list(real["results"][0])
    assert [directory.parse_group_connection(item).pk for item in got["results"]] == [1, 2]


@pytest.mark.parametrize("shape", ["2024.10", "2024.12"])
def test_group_connections_are_a_404_page_before_2025_4(simulator, shape) -> None:
    sim = simulator(Dataset.for_findings(connections=20, shape=shape, seed=2))
    r = get(sim, "/api/v3/sources/group_connections/all/")
    real = (SAMPLES / "2024.10.5" / "group_connections_all.http").read_text()
    assert r.status_code == 404 and real.startswith("HTTP/1.1 404") and "<html" in r.text


def test_the_plex_token_is_served_and_never_kept_by_the_row(simulator) -> None:
    sim = simulator(Dataset.for_findings(connections=20, seed=2))
    item = get(sim, "/api/v3/sources/plex/").json()["results"][0]
    assert item["plex_token"].startswith("plex-sim-secret")
    row = sourcetypes.detail_row("plex", sourcetypes.parse_detail(item), item)
    assert "sim-secret" not in str(row) and "plex_token" not in row["settings"]


def test_a_token_without_the_permission_gets_403(simulator) -> None:
    sim = simulator(Dataset.for_findings(connections=20, seed=2))
    sim.add_token("nothing", Scope.nothing())
    real = (SAMPLES / "2025.12.4" / "scoped_norole_sources_oauth.http").read_text().partition("\n\n")[2]
    r = get(sim, "/api/v3/sources/oauth/", token="nothing")
    assert (r.status_code, r.text) == (403, real)
