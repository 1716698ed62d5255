"""Users and groups of every release read from real captured answers, secrets and copies dropped."""

from __future__ import annotations

import json

import pytest
from conftest import RELEASES, sample_json
from hypothesis import given
from hypothesis import strategies as st

from authentik_etl.extract import directory
from authentik_etl.extract.models import PayloadError


@pytest.mark.parametrize("release", RELEASES)
def test_real_users_of_every_release_are_read(release: str) -> None:
    for raw in sample_json(release, "core_users_page")["results"]:
        user = directory.parse_user(raw)
        row = directory.user_row(user, raw)
        assert row["pk"] == raw["pk"] and row["username"] == raw["username"]
        assert row["is_superuser"] is raw["is_superuser"] and row["type"] == raw["type"]
        assert row["group_pks"] == raw["groups"]
        payload = json.loads(row["payload"])
        assert "attributes" not in payload and "groups_obj" not in payload
        assert payload["uid"] == raw["uid"]  # everything else is kept
        # date_joined and last_updated only where the release has them
        assert (row["last_updated"] is None) == ("last_updated" not in raw)
        assert (row["date_joined"] is None) == ("date_joined" not in raw)


@pytest.mark.parametrize("release", RELEASES)
def test_real_groups_of_every_release_are_read_with_their_member_count(release: str) -> None:
    [raw] = sample_json(release, "core_groups_page")["results"]
    group = directory.parse_group(raw)
    row = directory.group_row(group, raw)
    assert (row["name"], row["is_superuser"]) == ("authentik Admins", True)
    assert row["member_count"] == len(raw["users"]) >= 1
    assert row["parent_pks"] == (raw.get("parents") or ([raw["parent"]] if raw.get("parent") else []))
    assert "users" not in json.loads(row["payload"]) and "attributes" not in json.loads(row["payload"])


def test_a_user_in_the_superuser_group_is_a_superuser_in_both_shapes() -> None:
    for release in RELEASES:
        [admins] = sample_json(release, "core_groups_page")["results"]
        akadmin = sample_json(release, "core_users_page")["results"][0]
        assert akadmin["username"] == "akadmin" and admins["pk"] in akadmin["groups"]
        assert directory.parse_user(akadmin).is_superuser


@pytest.mark.parametrize(
    ("change", "needle"),
    [
        ({"pk": 0}, "pk"),
        ({"uuid": "nope"}, "uuid"),
        ({"username": None}, "username"),
        ({"groups": [1]}, "groups"),
    ],
)
def test_an_unreadable_user_names_the_field(change: dict, needle: str) -> None:
    raw = {**sample_json("2025.12.4", "core_users_page")["results"][0], **change}
    with pytest.raises(PayloadError, match=needle):
        directory.parse_user(raw)


def test_a_new_user_type_is_kept_not_rejected() -> None:
    raw = {**sample_json("2025.12.4", "core_users_page")["results"][0], "type": "robot"}
    assert directory.user_row(directory.parse_user(raw), raw)["type"] == "robot"


def test_the_listings_ask_for_the_lean_form() -> None:
    assert directory.list_params(directory.USERS_PATH) == {"include_groups": "false"}
    assert directory.list_params(directory.GROUPS_PATH) == {"include_users": "false"}


def test_a_page_with_one_bad_user_keeps_the_others_and_names_the_bad_one() -> None:
    good = sample_json("2025.12.4", "core_users_page")["results"]
    bad = {**good[0], "pk": "not-a-number"}
    parsed = directory.page_parser(directory.User)([*good, bad])
    assert [u.pk for u in parsed[:-1]] == [u["pk"] for u in good]
    assert isinstance(parsed[-1], PayloadError) and "pk" in str(parsed[-1])


_JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=8,
)


_BASE_USER = sample_json("2025.12.4", "core_users_page")["results"][1]
_NEW_FIELD = st.text(min_size=1, max_size=12).filter(lambda key: key not in _BASE_USER)


@given(extra=st.dictionaries(_NEW_FIELD, _JSON, max_size=5),
       dropped=st.dictionaries(st.sampled_from(directory.DROPPED_USER_FIELDS), _JSON))  # fmt: skip
def test_the_payload_is_the_object_minus_the_dropped_fields(extra: dict, dropped: dict) -> None:
    """Fields the model does not know (a later release's) are ignored by it but kept in the payload,
    in the order authentik sent them; attributes and the embedded copies never are."""
    raw = {**_BASE_USER, **extra, **dropped}
    payload = json.loads(directory.user_row(directory.parse_user(raw), raw)["payload"])
    kept = {k: v for k, v in raw.items() if k not in directory.DROPPED_USER_FIELDS}
    assert payload == kept and list(payload) == list(kept)
