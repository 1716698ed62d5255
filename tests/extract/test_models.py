from __future__ import annotations

import json
import uuid

import pytest
from conftest import RELEASES, SAMPLES, sample_json
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from authentik_etl.extract import models

RETRIEVES = sorted(p.stem for p in (SAMPLES / "2025.12.4").glob("retrieve_etl-*.http"))


@pytest.mark.parametrize("release", RELEASES)
def test_every_captured_retrieve_parses_to_a_row_with_its_source(release: str) -> None:
    names = [n for n in RETRIEVES if (SAMPLES / release / f"{n}.http").exists()] + ["retrieve_ok"]
    for name in names:
        payload = sample_json(release, name)
        conn = models.parse_connection(payload)
        row = models.connection_row(conn, models.dump_payload(payload))
        assert row["pk"] == payload["pk"]
        assert row["user_pk"] == payload["user"]
        raw_source = payload["source"] if isinstance(payload["source"], dict) else payload["source_obj"]
        assert str(row["source_pk"]) == raw_source["pk"]
        assert row["identifier"] == payload.get("identifier")
        assert (row["last_updated"] is None) == ("last_updated" not in payload)


def test_payload_is_kept_byte_for_byte_as_authentik_renders_it() -> None:
    body = (SAMPLES / "2025.12.4" / "retrieve_ok.http").read_text().partition("\n\n")[2]
    assert models.dump_payload(json.loads(body)) == body.strip()


def test_seed_shape_2024_10_nested_source_object() -> None:
    conn = models.parse_connection(sample_json("2024.10.5", "retrieve_ok"))
    assert isinstance(conn.source, models.Source)
    assert conn.identifier is None and conn.last_updated is None
    assert conn.source_object.icon is None


def test_2024_12_shape_source_uuid_plus_source_obj() -> None:
    payload = sample_json("2025.12.4", "retrieve_ok")
    for key in ("identifier", "last_updated"):
        payload.pop(key)
    for key in ("promoted", "icon_url", "icon_themed_urls"):
        payload["source_obj"].pop(key)
    conn = models.parse_connection(payload)
    assert conn.source_object.pk == uuid.UUID(payload["source"])


def test_unknown_fields_and_enum_values_are_kept() -> None:
    payload = sample_json("2025.12.4", "retrieve_ok")
    payload["brand_new_field"] = {"x": 1}
    payload["source_obj"]["user_matching_mode"] = "passkey_link"
    payload["source_obj"]["policy_engine_mode"] = "majority"
    conn = models.parse_connection(payload)
    assert conn.source_object.user_matching_mode == "passkey_link"
    source_row = models.source_row(conn.source_object, payload["source_obj"], authoritative=False)
    assert source_row["policy_engine_mode"] == "majority"
    assert "brand_new_field" in models.dump_payload(payload)


@pytest.mark.parametrize(
    ("mutate", "needle"),
    [
        (lambda p: p.pop("pk"), "pk"),
        (lambda p: p.update(pk="abc"), "pk"),
        (lambda p: p.update(user=None), "user"),
        (lambda p: p.pop("source_obj"), "source object"),
        (lambda p: p.update(source="not-a-uuid"), "source"),
        (lambda p: p["source_obj"].update(pk="zzz"), "source_obj.pk"),
        (lambda p: p.update(source=str(uuid.uuid4())), "differs"),
    ],
)
def test_unreadable_connections_raise_payload_error_naming_the_field(mutate, needle: str) -> None:
    payload = sample_json("2025.12.4", "retrieve_ok")
    mutate(payload)
    with pytest.raises(models.PayloadError, match=needle):
        models.parse_connection(payload)


def test_sources_listing_gives_real_types_and_mappings() -> None:
    results = sample_json("2025.12.4", "sources_all")["results"]
    sources = [models.parse_source(item) for item in results]
    by_slug = {s.slug: s for s in sources}
    assert by_slug["etl-ldap"].meta_model_name == "authentik_sources_ldap.ldapsource"
    assert not by_slug["etl-ldap"].is_base_type
    rows = models.mapping_rows(by_slug["etl-github"])
    assert [(r["kind"], r["position"]) for r in rows] == [("user", 0), ("user", 1), ("group", 0)]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=5), children, max_size=3)
    ),
    max_leaves=8,
)
CONNECTION_FIELDS = ["pk", "user", "source", "source_obj", "identifier", "created", "last_updated", "new"]
SOURCE_FIELDS = ["pk", "name", "slug", "enabled", "user_matching_mode", "user_property_mappings", "icon"]
relaxed = settings(suppress_health_check=[HealthCheck.too_slow], deadline=None, max_examples=200)


@relaxed
@given(st.sampled_from(CONNECTION_FIELDS), json_values, st.sampled_from(SOURCE_FIELDS), json_values)
def test_a_real_payload_with_any_field_replaced_parses_or_raises_payload_error(
    field: str, value, source_field: str, source_value
) -> None:
    payload = sample_json("2025.12.4", "retrieve_ok")
    payload[field] = value
    if isinstance(payload.get("source_obj"), dict):
        payload["source_obj"][source_field] = source_value
    try:
        conn = models.parse_connection(payload)
    except models.PayloadError as exc:
        assert str(exc) and "\n" not in str(exc)
    else:
        row = models.connection_row(conn, models.dump_payload(payload))
        assert row["pk"] >= 1 and row["source_pk"] == str(conn.source_object.pk)


@relaxed
@given(json_values)
def test_any_json_value_is_read_or_rejected_with_payload_error(payload) -> None:
    try:
        conn = models.parse_connection(payload)
    except models.PayloadError:
        return
    assert conn.source_object is not None


def outcome(parse, payload):
    """What parsing gives: the connection, or the error text."""
    try:
        return parse(payload)
    except models.PayloadError as exc:
        return f"PayloadError: {exc}"


@relaxed
@given(
    st.lists(
        st.tuples(st.sampled_from(("2024.10.5", "2025.12.4")), st.sampled_from(SOURCE_FIELDS), json_values),
        min_size=1,
        max_size=6,
    )
)
def test_source_cache_parses_exactly_as_parse_connection(edits) -> None:
    """A run of connections sharing a source, some with that source edited: same results."""
    cache = models.SourceCache()
    for release, source_field, value in edits + edits:
        payload = sample_json(release, "retrieve_ok")
        key = "source" if isinstance(payload["source"], dict) else "source_obj"
        unedited = outcome(cache.parse_connection, json.loads(json.dumps(payload)))
        assert unedited == models.parse_connection(payload)
        payload[key][source_field] = value
        assert outcome(cache.parse_connection, payload) == outcome(models.parse_connection, payload)


def test_source_cache_validates_each_distinct_source_once(monkeypatch) -> None:
    payloads = [sample_json("2025.12.4", "retrieve_ok") for _ in range(5)]
    payloads[3]["source_obj"]["name"] = "renamed"
    calls = []
    real = models.Connection.model_validate

    def counting(data, *args, **kwargs):
        calls.append(isinstance(data["source_obj"], dict))
        return real(data, *args, **kwargs)

    monkeypatch.setattr(models.Connection, "model_validate", counting)
    cache = models.SourceCache()
    names = [cache.parse_connection(p).source_object.name for p in payloads]
    assert names[3] == "renamed" and len(set(names)) == 2
    # a raw source object was validated for the first payload, the edited one, and the one after
    assert calls == [True, False, False, True, True]
