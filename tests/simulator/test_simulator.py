"""The authentik simulator against the real captured responses, over real HTTP on loopback."""

from __future__ import annotations

import json
import os
import random
import re
import signal
import subprocess
import sys
import time
import tracemalloc
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
import requests

from authentik_etl.simulator import Dataset, Faults, Simulator
from authentik_etl.simulator.index import PkSpace

SAMPLES = Path(__file__).resolve().parents[1] / "fixtures" / "samples"
NEW, OLD = "2025.12", "2024.10"
RELEASE = {NEW: "2025.12.4", OLD: "2024.10.5"}
TOKEN = "test-token"
LIST = "/api/v3/sources/user_connections/all/"
SOURCES = "/api/v3/sources/all/"


def sample(shape: str, name: str) -> tuple[int, list[str], bytes]:
    """A capture: (status, header names in order, body bytes), split on the first blank line."""
    raw = (SAMPLES / RELEASE[shape] / f"{name}.http").read_bytes()
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode().split("\r\n")
    names = [line.split(":", 1)[0].lower() for line in lines[1:]]
    return int(lines[0].split()[1]), names, body


def sample_json(shape: str, name: str) -> Any:
    return json.loads(sample(shape, name)[2])


def structure(obj: Any) -> Any:
    """Keys in order and value types, recursively (lists: their first item)."""
    if isinstance(obj, dict):
        return [(k, structure(v)) for k, v in obj.items()]
    if isinstance(obj, list):
        return [structure(obj[0])] if obj else []
    return type(obj).__name__


def session(token: str | None = TOKEN) -> requests.Session:
    s = requests.Session()
    if token is not None:
        s.headers["Authorization"] = f"Bearer {token}"
    return s


@pytest.fixture(scope="module", params=[NEW, OLD])
def sim(request: pytest.FixtureRequest) -> Iterator[Simulator]:
    with Simulator(Dataset.generate(84, request.param, seed=1), token=TOKEN) as s:
        yield s


@pytest.fixture(scope="module")
def sim_new() -> Iterator[Simulator]:
    with Simulator(Dataset.generate(84, NEW, seed=1), token=TOKEN) as s:
        yield s


@pytest.fixture
def fresh() -> Iterator[Simulator]:
    """A private simulator (faults, mutations, stats) with 250 connections."""
    with Simulator(Dataset.generate(250, NEW, seed=3), token=TOKEN) as s:
        yield s


def get(sim: Simulator, path: str, token: str | None = TOKEN, **kw: Any) -> requests.Response:
    return session(token).get(sim.url + path, timeout=10, **kw)


def pks_of(sim: Simulator, source_slug: str) -> list[int]:
    body = get(sim, LIST, params={"source__slug": source_slug, "page_size": 100}).json()
    return [row["pk"] for row in body["results"]]


# ----- bodies and headers, as captured ----------------------------------------------------


@pytest.mark.parametrize("slug", ["etl-github", "etl-kerberos", "etl-oidc", "etl-plex", "etl-saml"])
def test_retrieve_has_the_captured_structure(sim: Simulator, slug: str) -> None:
    shape = sim.dataset.shape
    captured = sample_json(shape, f"retrieve_{slug}")
    pk = pks_of(sim, slug)[0]
    r = get(sim, f"{LIST}{pk}/")
    assert r.status_code == 200
    body = r.json()
    assert structure(body) == structure(captured)
    assert r.content.decode() == json.dumps(body, separators=(",", ":"), ensure_ascii=False)
    nested = body["source_obj"] if shape == NEW else body["source"]
    assert nested["component"] == "" and nested["meta_model_name"] == "authentik_core.source"
    if shape == NEW:  # same source uuids, mappings and flows as the capture
        assert nested == captured["source_obj"]
        assert body["source"] == nested["pk"]
        assert re.fullmatch(r"[a-z]+-id-\d{2,}", body["identifier"])
        assert body["created"] < body["last_updated"]
    assert body == sim.dataset.connection(pk)


def test_headers_have_the_captured_names_and_order(sim: Simulator) -> None:
    shape = sim.dataset.shape
    for name, path in [("retrieve_ok", f"{LIST}3/"), ("list_default", LIST)]:
        _, names, _ = sample(shape, name)
        raw = requests.get(sim.url + path, headers={"Authorization": f"Bearer {TOKEN}"})
        assert [h.lower() for h in raw.raw.headers] == names
        assert raw.headers["content-type"] == "application/json; charset=utf-8"
        assert raw.headers["server"] == "uvicorn"
        assert int(raw.headers["content-length"]) == len(raw.content)
    ids = {get(sim, f"{LIST}3/").headers["x-authentik-id"] for _ in range(5)}
    assert len(ids) == 5 and all(re.fullmatch(r"[0-9a-f]{32}", i) for i in ids)


def test_sources_all_matches_the_capture(sim: Simulator) -> None:
    shape = sim.dataset.shape
    captured = sample_json(shape, "sources_all")
    body = get(sim, SOURCES, params={"page_size": 100}).json()
    assert list(body) == list(captured)
    assert body["pagination"] == captured["pagination"]
    if shape == NEW:
        assert body == captured  # every source, type, order and value
    else:
        assert [s["slug"] for s in body["results"]] == [s["slug"] for s in captured["results"]]
        for mine, real in zip(body["results"], captured["results"], strict=True):
            assert structure(mine) == structure(real)
            assert (mine["component"], mine["icon"]) == (real["component"], real["icon"])
    assert body["results"] == sim.dataset.sources()


def test_other_shapes_key_order() -> None:
    conn = Dataset.generate(10, "2024.12", seed=1).connection(1)
    assert list(conn) == ["pk", "user", "source", "source_obj", "created"]
    assert "promoted" not in conn["source_obj"] and conn["source_obj"]["icon"] is None
    conn = Dataset.generate(10, "2025.4", seed=1).connection(1)
    keys = ["pk", "user", "source", "source_obj", "identifier", "created", "last_updated"]
    assert list(conn) == keys
    conn = Dataset.generate(10, "2026.5", seed=1).connection(1)
    assert list(conn["source_obj"])[-3:] == ["icon", "icon_url", "icon_themed_urls"]
    assert re.fullmatch(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z", conn["last_updated"])


# ----- list envelope and paging -----------------------------------------------------------


def test_list_default_envelope(sim: Simulator) -> None:
    shape = sim.dataset.shape
    captured = sample_json(shape, "list_default")
    body = get(sim, LIST).json()
    assert list(body) == list(captured)  # "autocomplete" only on 2025.12
    assert body["pagination"] == captured["pagination"]  # 84 rows: 20 per page, or 100
    rows = body["results"]
    assert structure(rows[0]) == structure(captured["results"][0])
    slug = "source_obj" if shape == NEW else "source"
    keys = [(r[slug]["slug"], r["pk"]) for r in rows]
    assert keys == sorted(keys)  # default order: source slug, then pk


@pytest.mark.parametrize("name", ["list_page2_size10", "list_page9_size10_last"])
def test_list_pages_like_captured(sim: Simulator, name: str) -> None:
    page = 2 if "page2" in name else 9
    body = get(sim, LIST, params={"page": page, "page_size": 10}).json()
    assert body["pagination"] == sample_json(sim.dataset.shape, name)["pagination"]
    assert len(body["results"]) == (10 if page == 2 else 4)


def test_page_size_cap_and_defaults() -> None:
    for shape, default, capped in [(NEW, 20, 100), (OLD, 100, 250)]:
        with Simulator(Dataset.generate(250, shape, seed=2), token=TOKEN) as s:
            for size, expected in [("500", capped), ("0", default), ("-1", default)]:
                body = get(s, LIST, params={"page_size": size}).json()
                assert len(body["results"]) == expected, (shape, size)
            assert len(get(s, LIST, params={"page_size": "abc"}).json()["results"]) == default
            assert get(s, LIST, params={"page_size": 7}).json()["pagination"]["total_pages"] == 36


@pytest.mark.parametrize("page", ["0", "abc", "999"])
def test_invalid_page_is_404(sim: Simulator, page: str) -> None:
    r = get(sim, LIST, params={"page": page, "page_size": 10})
    assert r.status_code == 404
    assert r.content == sample(sim.dataset.shape, "list_page_zero")[2]
    assert r.json() == {"detail": "Invalid page."}


def test_empty_list_is_byte_identical(sim: Simulator) -> None:
    r = get(sim, LIST, params={"source__slug": "etl-empty-discord"})
    assert r.status_code == 200
    assert r.content == sample(sim.dataset.shape, "list_filter_source_slug_empty")[2]


def test_ordering_and_filters(sim: Simulator) -> None:
    ds = sim.dataset
    body = get(sim, LIST, params={"ordering": "-pk", "page_size": 3}).json()
    assert [r["pk"] for r in body["results"]] == sorted(ds.connection_pks())[-3:][::-1]
    assert body["pagination"]["total_pages"] == 28
    body = get(sim, LIST, params={"ordering": "pk", "page_size": 100}).json()
    assert [r["pk"] for r in body["results"]] == ds.connection_pks()
    ldap = get(sim, LIST, params={"source__slug": "etl-ldap", "page_size": 5}).json()
    expected = [pk for pk in ds.connection_pks() if _slug(ds.connection(pk)) == "etl-ldap"]
    assert ldap["pagination"]["count"] == len(expected) > 5
    assert [r["pk"] for r in ldap["results"]] == expected[:5]
    user = ds.connection(expected[0])["user"]
    mine = get(sim, LIST, params={"user": user}).json()["results"]
    assert mine and all(r["user"] == user for r in mine)
    assert len({_slug(r) for r in mine}) == len(mine)  # one connection per user and source
    assert get(sim, LIST, params={"user": "abc"}).status_code == 400


def test_every_page_in_every_order(fresh: Simulator) -> None:
    pks = fresh.dataset.connection_pks()
    for ordering, expected in [("pk", pks), ("-pk", pks[::-1]), ("", None)]:
        got: list[int] = []
        for page in range(1, 37):
            params = {"ordering": ordering, "page_size": 7, "page": page}
            got += [r["pk"] for r in get(fresh, LIST, params=params).json()["results"]]
        assert got == (expected or sorted(pks, key=lambda p: (_slug(fresh.dataset.connection(p)), p)))


def test_pk_space_positions_match_brute_force() -> None:
    rng = random.Random(4)
    for _ in range(30):
        top = rng.randint(1, 60)
        gaps = rng.sample(range(1, top + 1), rng.randint(0, top))
        space, live = PkSpace(top, gaps), [p for p in range(1, top + 1) if p not in gaps]
        assert list(space) == live and len(space) == len(live)
        assert [space.pk_at(i) for i in range(len(live))] == live
        a, b = sorted(rng.sample(range(len(live) + 2), 2))
        assert space.ascending(a, b) == live[a:b]
        assert space.descending(a, b) == live[::-1][a:b]


def _slug(conn: dict[str, Any]) -> str:
    return (conn.get("source_obj") or conn["source"])["slug"]


def test_users_have_several_connections_and_pks_have_gaps() -> None:
    ds = Dataset.generate(84, NEW, seed=1)
    pks = ds.connection_pks()
    assert len(pks) == 84 and pks[0] >= 1 and pks[-1] > 84
    users = [ds.connection(pk)["user"] for pk in pks]
    assert max(users.count(u) for u in users) >= 2
    slugs = {_slug(ds.connection(pk)) for pk in pks}
    assert "etl-empty-discord" not in slugs and "authentik-built-in" not in slugs
    assert len(slugs) == 7
    modes = {s["user_matching_mode"] for s in ds.sources()}
    assert modes == {"identifier", "email_link", "email_deny", "username_link", "username_deny"}


# ----- auth and errors --------------------------------------------------------------------


def test_auth_errors_are_403_like_captured(sim: Simulator) -> None:
    shape = sim.dataset.shape
    cases = [
        ("list_no_token", LIST, {}),
        ("list_bad_token", LIST, {"Authorization": "Bearer not-a-real-token"}),
        ("list_malformed_auth_header", LIST, {"Authorization": f"Token {TOKEN}"}),
        ("retrieve_bad_token", f"{LIST}3/", {"Authorization": "Bearer not-a-real-token"}),
    ]
    for name, path, headers in cases:
        status, _, body = sample(shape, name)
        r = requests.get(sim.url + path, headers=headers)
        assert (r.status_code, r.content) == (status, body) == (403, body), name


def test_retrieve_without_token(sim: Simulator) -> None:
    status, _, body = sample(sim.dataset.shape, "retrieve_no_token")
    r = requests.get(sim.url + f"{LIST}3/")
    assert (r.status_code, r.content) == (status, body)
    expected_type = "text/html" if sim.dataset.shape == NEW else "application/json"
    assert r.headers["content-type"].startswith(expected_type)
    assert re.fullmatch(r"[0-9a-f]{32}", r.headers["x-authentik-id"])


@pytest.mark.parametrize(
    ("name", "path"),
    [
        ("retrieve_missing_404", f"{LIST}999999/"),
        ("retrieve_non_numeric", f"{LIST}abc/"),
        ("retrieve_no_trailing_slash", f"{LIST}3"),
    ],
)
def test_not_found_like_captured(sim: Simulator, name: str, path: str) -> None:
    status, names, body = sample(sim.dataset.shape, name)
    r = get(sim, path)
    assert (r.status_code, r.content) == (404, body) and status == 404
    assert [h.lower() for h in r.raw.headers] == names


def test_unknown_path_and_head(sim_new: Simulator) -> None:
    assert get(sim_new, "/api/v3/core/applications/").json() == {"detail": "Not found."}
    full = get(sim_new, f"{LIST}3/")
    head = session().head(sim_new.url + f"{LIST}3/")
    assert head.status_code == 200 and head.content == b""
    assert head.headers["content-length"] == full.headers["content-length"]


def test_keep_alive_reuses_one_connection(fresh: Simulator) -> None:
    s = session()
    for pk in fresh.dataset.connection_pks()[:30]:
        assert s.get(f"{fresh.url}{LIST}{pk}/").status_code == 200
    stats = fresh.stats
    assert stats["connections"] == 1
    assert stats["requests"] == 30 and stats["status"] == {200: 30}
    assert stats["paths"] == {"retrieve": 30}


def test_latency_overlaps_concurrent_requests() -> None:
    with Simulator(Dataset.generate(20, NEW, seed=1), token=TOKEN, latency=0.2) as s:
        t0 = time.monotonic()
        with ThreadPoolExecutor(10) as pool:
            codes = list(pool.map(lambda pk: get(s, f"{LIST}{pk}/").status_code, range(1, 11)))
        elapsed = time.monotonic() - t0
    assert codes.count(200) >= 9 and 0.2 <= elapsed < 1.0  # ten 0.2 s answers, overlapped


# ----- faults -----------------------------------------------------------------------------


def test_transient_fault_kinds(fresh: Simulator) -> None:
    pk = fresh.dataset.connection_pks()[0]
    url = f"{LIST}{pk}/"
    for kind, body_format in [("500", "html"), ("502", "html"), ("503", "json"), ("504", "json")]:
        fresh.faults = Faults(rate=1.0, kinds=(kind,), error_body=body_format)
        r = get(fresh, url)
        assert r.status_code == int(kind)
        assert r.headers["content-type"].startswith(f"{'text' if body_format == 'html' else 'app'}")
    fresh.faults = Faults(rate=1.0, kinds=("reset",))
    with pytest.raises(requests.ConnectionError):
        get(fresh, url)
    assert fresh.stats["faults"] == {"500": 1, "502": 1, "503": 1, "504": 1, "reset": 1}


@pytest.mark.parametrize("value", [1, "0", "-5", "86400", "garbage", "http-date", None])
def test_429_retry_after_variants(fresh: Simulator, value: int | str | None) -> None:
    fresh.faults = Faults(rate=1.0, kinds=("429",), retry_after=value)
    r = get(fresh, LIST)
    assert r.status_code == 429
    header = r.headers.get("Retry-After")
    if value is None:
        assert header is None
    elif value == "http-date":
        assert header is not None and header.endswith(" GMT")
    else:
        assert header == str(value)


def test_altering_faults(fresh: Simulator) -> None:
    pk = fresh.dataset.connection_pks()[0]
    url, good = f"{LIST}{pk}/", fresh.dataset.connection(pk)
    fresh.faults = Faults(rate=1.0, kinds=("slow",), slow_seconds=0.3)
    t0 = time.monotonic()
    assert get(fresh, url).json() == good and time.monotonic() - t0 >= 0.3
    fresh.faults = Faults(rate=1.0, kinds=("trickle",), trickle_bytes=8, trickle_pause=0.002)
    assert get(fresh, url).json() == good
    fresh.faults = Faults(rate=1.0, kinds=("truncated",))
    with pytest.raises(requests.RequestException):
        get(fresh, url).json()
    fresh.faults = Faults(rate=1.0, kinds=("invalid_json",))
    r = get(fresh, url)
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    fresh.faults = Faults(rate=1.0, kinds=("html200",))
    r = get(fresh, url)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/html")
    fresh.faults = Faults(rate=1.0, kinds=("wrong_content_type",))
    r = get(fresh, url)
    assert r.headers["content-type"].startswith("text/plain") and r.json() == good
    fresh.faults = Faults(rate=1.0, kinds=("plain_ok",))
    assert get(fresh, url).content == b"OK"
    assert set(fresh.stats["faults"]) == {
        "slow", "trickle", "truncated", "invalid_json", "html200", "wrong_content_type", "plain_ok",
    }  # fmt: skip


def test_always_faults_per_pk(fresh: Simulator) -> None:
    a, b, c, d = fresh.dataset.connection_pks()[:4]
    fresh.faults = Faults(always={a: "403", b: "404", c: "garbage_payload", d: "503"})
    assert get(fresh, f"{LIST}{a}/").status_code == 403
    assert get(fresh, f"{LIST}{b}/").json() == {"detail": "No UserSourceConnection matches the given query."}
    garbage = get(fresh, f"{LIST}{c}/").json()
    assert garbage["pk"] == "abc" and "created" not in garbage
    assert get(fresh, f"{LIST}{d}/").status_code == 503
    e = fresh.dataset.connection_pks()[4]
    assert get(fresh, f"{LIST}{e}/").status_code == 200


def test_first_n_fail_then_succeed(fresh: Simulator) -> None:
    fresh.faults = Faults(first_n_fail=2, first_n_kind="502")
    pk = fresh.dataset.connection_pks()[5]
    codes = [get(fresh, f"{LIST}{pk}/").status_code for _ in range(4)]
    assert codes == [502, 502, 200, 200]


def test_revoke_token_after(fresh: Simulator) -> None:
    fresh.faults = Faults(revoke_token_after=3)
    codes = [get(fresh, LIST).status_code for _ in range(5)]
    assert codes == [200, 200, 200, 403, 403]
    assert get(fresh, LIST).json() == {"detail": "Token invalid/expired"}


def test_apply_to_and_determinism(fresh: Simulator) -> None:
    runs = []
    for _ in range(2):
        fresh.faults = Faults(rate=0.5, kinds=("503", "429"), seed=7, apply_to=("list",))
        runs.append([get(fresh, LIST).status_code for _ in range(20)])
        assert get(fresh, f"{LIST}{fresh.dataset.connection_pks()[0]}/").status_code == 200
        assert get(fresh, SOURCES).status_code == 200
    assert runs[0] == runs[1]
    assert {200, 503, 429} == set(runs[0])


def test_on_list_page_hook_mutates_mid_listing(fresh: Simulator) -> None:
    ds = fresh.dataset
    before = ds.connection_pks()
    seen: list[int] = []

    def hook(page: int) -> None:
        seen.append(page)
        if page == 2:
            ds.delete_connection(before[0])
            ds.add_connection(1, "etl-github")

    fresh.faults = Faults(on_list_page=hook)
    first = get(fresh, LIST, params={"ordering": "pk", "page_size": 100}).json()
    second = get(fresh, LIST, params={"ordering": "pk", "page_size": 100, "page": 2}).json()
    assert seen == [1, 2]
    assert first["pagination"]["count"] == len(before)
    assert second["pagination"]["count"] == len(before)  # one deleted, one added
    assert second["results"][0]["pk"] == before[101]  # rows shifted by the deletion


# ----- data -------------------------------------------------------------------------------


def test_dataset_is_deterministic_and_lazy() -> None:
    a, b = Dataset.generate(300, NEW, seed=5), Dataset.generate(300, NEW, seed=5)
    assert a.connection_pks() == b.connection_pks()
    assert all(a.connection(pk) == b.connection(pk) for pk in a.connection_pks())
    c = Dataset.generate(300, NEW, seed=6)
    assert [c.connection(p)["user"] for p in c.connection_pks()[:50]] != [
        a.connection(p)["user"] for p in a.connection_pks()[:50]
    ] or c.connection_pks() != a.connection_pks()
    tracemalloc.start()
    t0 = time.monotonic()
    big = Dataset.generate(1_000_000, NEW, seed=1)
    sel = big.select("-pk")
    last = sel.fetch(0, 3)
    elapsed, (_, peak) = time.monotonic() - t0, tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 1.0 and peak < 20_000_000  # no per-connection objects
    assert sel.count == big.connection_count() == 1_000_000
    assert last == [last[0], last[0] - 1, last[0] - 2] or last == sorted(last, reverse=True)
    assert last[0] > 1_000_000 and big.connection(last[0])["pk"] == last[0]


def test_mutations_are_reflected(fresh: Simulator) -> None:
    ds = fresh.dataset
    pk = pks_of(fresh, "etl-github")[0]
    ds.update_source("etl-github", user_matching_mode="email_link", enabled=False)
    assert get(fresh, f"{LIST}{pk}/").json()["source_obj"]["user_matching_mode"] == "email_link"
    github = [s for s in get(fresh, SOURCES).json()["results"] if s["slug"] == "etl-github"]
    assert github[0]["enabled"] is False and github[0]["component"] == "ak-source-oauth-form"
    count = get(fresh, LIST).json()["pagination"]["count"]
    ds.delete_connection(pk)
    assert get(fresh, f"{LIST}{pk}/").status_code == 404
    assert get(fresh, LIST).json()["pagination"]["count"] == count - 1
    new = ds.add_connection(7, "etl-empty-discord")
    assert new == max(ds.connection_pks())
    assert get(fresh, f"{LIST}{new}/").json()["source_obj"]["slug"] == "etl-empty-discord"
    victims = pks_of(fresh, "etl-plex")
    ds.delete_source("etl-plex")
    assert all(s["slug"] != "etl-plex" for s in get(fresh, SOURCES).json()["results"])
    assert get(fresh, f"{LIST}{victims[0]}/").status_code == 404
    assert get(fresh, LIST).json()["pagination"]["count"] == count - len(victims)


# ----- command line -----------------------------------------------------------------------


def test_cli_prints_url_and_serves(tmp_path: Path) -> None:
    token_file = tmp_path / "token"
    token_file.write_text("cli-token\n")
    env = dict(os.environ)
    cmd = [sys.executable, "-m", "authentik_etl.simulator", "--connections", "30"]
    cmd += ["--shape", OLD, "--token-file", str(token_file), "--latency-ms", "5"]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        assert re.fullmatch(r"http://127\.0\.0\.1:\d+\n", line)
        r = requests.get(line.strip() + LIST, headers={"Authorization": "Bearer cli-token"})
        assert r.json()["pagination"]["count"] == 30 and "autocomplete" not in r.json()
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(timeout=10) == 0
        assert proc.stdout.read() == ""
    finally:
        proc.kill()


@pytest.mark.parametrize("shape", [NEW, OLD])
def test_scoped_tokens_see_what_a_real_authentik_shows_them(shape: str) -> None:
    """Tried on 2024.10.5 and 2025.12.4: the listing is filtered (200), a retrieve of a connection the
    token may not see is a 404 with the release's body, /sources/all/ is a 403 without view_source."""
    from authentik_etl.simulator import Scope

    dataset = Dataset.generate(connections=60, shape=shape, seed=2)
    mine = dataset.connection(dataset.connection_pks()[0])
    with Simulator(dataset, token=TOKEN) as sim:
        sim.add_token("none", Scope.nothing())
        sim.add_token("own", Scope.own(mine["user"]))
        sim.add_token("src", Scope.sources_only())

        def get(token: str, path: str) -> requests.Response:
            return requests.get(sim.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=5)

        for token in ("none", "src"):
            listing = get(token, LIST + "?ordering=pk").json()
            assert (listing["pagination"]["count"], listing["results"]) == (0, [])
        own = get("own", LIST + "?ordering=pk").json()
        assert {r["user"] for r in own["results"]} == {mine["user"]} and own["pagination"]["count"] >= 1
        assert get("own", LIST + f"{mine['pk']}/").json() == mine
        other = next(pk for pk in dataset.connection_pks() if dataset.connection_user(pk) != mine["user"])
        missing = get("own", LIST + f"{other}/")
        assert missing.status_code == 404
        assert missing.json() == {"detail": "No UserSourceConnection matches the given query." if shape == NEW
                                  else "Not found."}  # fmt: skip
        for token in ("none", "own"):
            refused = get(token, SOURCES)
            assert refused.status_code == 403
            assert refused.json() == {"detail": "You do not have permission to perform this action."}
        assert get("src", SOURCES).status_code == 200
        assert get("none", "/api/v3/admin/version/").json()["version_current"].startswith(shape)
        assert get("bogus", LIST).status_code == 403


# Captured on the real servers (2026-12-03) with a service account without a role ("norole"), an
# ordinary user's token ("user") and a superuser's ("admin_version"); see fixtures/samples/*/INDEX.txt.
SCOPED = [
    ("scoped_norole_list", "none", LIST),
    ("scoped_norole_retrieve", "none", f"{LIST}5/"),
    ("scoped_norole_sources", "none", SOURCES),
    ("scoped_user_sources", "own", SOURCES),
    ("admin_version", TOKEN, "/api/v3/admin/version/"),
]


@pytest.mark.parametrize(("name", "token", "path"), SCOPED)
def test_scoped_tokens_answer_like_the_real_captures(
    sim: Simulator, name: str, token: str, path: str
) -> None:
    from authentik_etl.simulator import Scope

    shape = sim.dataset.shape
    sim.add_token("none", Scope.nothing())
    sim.add_token("own", Scope.own(sim.dataset.connection(3)["user"]))
    status, names, body = sample(shape, name)
    raw = requests.get(sim.url + path, headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert raw.status_code == status
    assert [h.lower() for h in raw.raw.headers] == names
    if name == "admin_version":
        assert structure(raw.json()) == structure(json.loads(body))
    else:
        assert raw.content == body


def test_an_ordinary_users_listing_has_the_captured_envelope(sim: Simulator) -> None:
    from authentik_etl.simulator import Scope

    shape = sim.dataset.shape
    user = sim.dataset.connection(3)["user"]
    sim.add_token("own", Scope.own(user))
    captured = sample_json(shape, "scoped_user_list")
    got = get(sim, LIST, token="own", params={"ordering": "pk"}).json()
    assert list(got) == list(captured) and list(got["pagination"]) == list(captured["pagination"])
    assert list(got["results"][0]) == list(captured["results"][0])  # the shape's own keys, in order
    assert {row["user"] for row in got["results"]} == {user}
    assert {row["user"] for row in captured["results"]} == {captured["results"][0]["user"]}
    assert got["pagination"]["count"] == len(got["results"]) >= 1
