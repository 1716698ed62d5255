"""The simulator's users and groups: the real servers' shapes, a seeded variety, 403 without permission."""

from __future__ import annotations

import pytest
import requests
from conftest import SAMPLES, TOKEN, sample_json

from authentik_etl.extract import directory
from authentik_etl.simulator import Dataset, Scope

USERS = "/api/v3/core/users/"
GROUPS = "/api/v3/core/groups/"
REAL = {"2024.10": "2024.10.5", "2025.12": "2025.12.4"}


def get(sim, path: str, token: str = TOKEN, **params) -> requests.Response:
    headers = {"Authorization": f"Bearer {token}"}
    return requests.get(sim.url + path, params=params, headers=headers, timeout=10)


@pytest.mark.parametrize(("shape", "release"), REAL.items())
def test_users_and_groups_have_the_real_servers_fields_in_their_order(simulator, shape, release) -> None:
    sim = simulator(Dataset.generate(connections=40, shape=shape, seed=2))
    for path, sample in ((USERS, "core_users_page"), (GROUPS, "core_groups_page")):
        real = sample_json(release, sample)
        got = get(sim, path, ordering="pk", page_size=3).json()
        assert list(got) == list(real) and list(got["pagination"]) == list(real["pagination"])
        assert list(got["results"][0]) == list(real["results"][0]), path


@pytest.mark.parametrize("shape", ["2024.10", "2024.12", "2025.4", "2025.12", "2026.5"])
def test_every_user_and_group_of_every_shape_reads_with_the_etl_models(simulator, shape) -> None:
    sim = simulator(Dataset.generate(connections=300, shape=shape, seed=3))
    users, page = [], 1
    while page:
        body = get(sim, USERS, page=page, page_size=100).json()
        users += [directory.parse_user(raw) for raw in body["results"]]
        page = body["pagination"]["next"]
    groups = [directory.parse_group(raw) for raw in get(sim, GROUPS).json()["results"]]
    assert [u.pk for u in users] == list(range(2, sim.dataset.max_user() + 1))  # no AnonymousUser
    superuser_groups = {g.pk for g in groups if g.is_superuser}
    # authentik's rule: a user is a superuser through a superuser group
    assert all(u.is_superuser == bool(superuser_groups & set(u.groups)) for u in users)
    members = {g.pk: set(g.users) for g in groups}
    assert all(u.pk in members[pk] for u in users for pk in u.groups)
    # the variety the findings need
    active = [u for u in users if u.is_active]
    assert any(u.is_superuser for u in active) and any(not u.is_active for u in users)
    assert {u.type for u in users} >= {"internal", "external", "service_account", "internal_service_account"}
    emails = [u.email for u in active if u.email]
    assert len(emails) > len(set(emails)) and any(not u.email for u in users)


def test_the_same_seed_gives_the_same_directory(simulator) -> None:
    a = simulator(Dataset.generate(connections=50, seed=4))
    b = simulator(Dataset.generate(connections=50, seed=4))
    assert get(a, USERS, page_size=100).json() == get(b, USERS, page_size=100).json()
    assert get(a, GROUPS).json() == get(b, GROUPS).json()


@pytest.mark.parametrize("scope", [Scope.nothing(), Scope.sources_only(), Scope.own(5)])
def test_a_token_without_the_permission_gets_the_real_403(simulator, scope) -> None:
    sim = simulator(Dataset.generate(connections=20, seed=5))
    sim.add_token("limited", scope)
    real = (SAMPLES / "2025.12.4" / "scoped_norole_users.http").read_text().partition("\n\n")[2]
    for path in (USERS, GROUPS):
        r = get(sim, path, token="limited")
        assert (r.status_code, r.text) == (403, real)
