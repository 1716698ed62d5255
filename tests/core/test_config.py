from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from authentik_etl.core import config, settings
from authentik_etl.core.errors import ConfigError


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("https://auth.example.com", "https://auth.example.com"),
        ("https://auth.example.com/", "https://auth.example.com"),
        ("https://auth.example.com/api/v3", "https://auth.example.com"),
        ("https://auth.example.com/api/v3/", "https://auth.example.com"),
        ("https://example.com/authentik/api/v3", "https://example.com/authentik"),
        ("http://127.0.0.1:9000", "http://127.0.0.1:9000"),
        ("http://localhost:9000/", "http://localhost:9000"),
        ("HTTPS://Auth.Example.com:8443", "https://auth.example.com:8443"),
    ],
)
def test_base_url_is_normalised(raw: str, expected: str) -> None:
    assert config.normalise_base_url(raw) == expected


@pytest.mark.parametrize(
    ("raw", "needle"),
    [
        ("auth.example.com", "not an http(s) URL"),
        ("ftp://auth.example.com", "not an http(s) URL"),
        ("", "empty"),
        ("http://auth.example.com", "--allow-insecure-http"),
        ("https://user:pw@auth.example.com", "credentials"),
        ("https://auth.example.com/?x=1", "query"),
        ("https://auth.example.com:99999", "port"),
        ("https://auth.example.com/if/admin/", "a page of authentik's web interface (/if/...)"),
        ("https://auth.example.com/if/admin/#/core/sources", "fragment"),
        ("https://auth.example.com/if/user/", "e.g. https://auth.example.com"),
        ("https://auth.example.com/flows/-/default/authentication/", "web interface (/flows/...)"),
        ("https://auth.example.com/api/v3/sources/user_connections/all/", "points inside authentik's API"),
        (
            "https://example.com/authentik/api/v2",
            "without /api/v3 and what follows, e.g. https://example.com",
        ),
    ],
)
def test_bad_urls_are_refused_with_a_hint(raw: str, needle: str) -> None:
    with pytest.raises(ConfigError, match=re.escape(needle)):
        config.normalise_base_url(raw)


def test_plain_http_to_a_remote_host_allowed_only_when_asked() -> None:
    assert config.normalise_base_url("http://auth.lan", allow_insecure_http=True) == "http://auth.lan"


def test_token_file_strips_one_trailing_newline(tmp_path: Path) -> None:
    f = tmp_path / "token"
    f.write_text("abc123\n")
    f.chmod(0o600)
    assert config.read_token_file(str(f)) == "abc123"
    f.write_text("abc123\r\n")
    assert config.read_token_file(str(f)) == "abc123"
    f.write_text("abc123\n\n")
    with pytest.raises(ConfigError, match="whitespace"):
        config.read_token_file(str(f))


@pytest.mark.parametrize("token", ["", "a b", "abc\n", "\tabc"])
def test_bad_tokens_are_refused(token: str) -> None:
    with pytest.raises(ConfigError):
        config.resolve_token(None, {"AUTHENTIK_TOKEN": token})


def test_token_sources_in_order(tmp_path: Path) -> None:
    f = tmp_path / "t"
    f.write_text("fromfile")
    f.chmod(0o600)
    assert config.resolve_token(str(f), {"AUTHENTIK_TOKEN": "env"}) == "fromfile"
    assert config.resolve_token(None, {"AUTHENTIK_TOKEN": "env", "AUTHENTIK_TOKEN_FILE": str(f)}) == "env"
    assert config.resolve_token(None, {"AUTHENTIK_TOKEN_FILE": str(f)}) == "fromfile"
    with pytest.raises(ConfigError, match="no API token"):
        config.resolve_token(None, {})


def test_world_readable_token_file_warns_or_is_refused_when_strict(tmp_path: Path, caplog) -> None:
    f = tmp_path / "t"
    f.write_text("S3CRET-token-value")
    f.chmod(0o644)
    assert config.read_token_file(str(f)) == "S3CRET-token-value"
    assert "chmod 600" in caplog.text and "S3CRET" not in caplog.text
    with pytest.raises(ConfigError, match="--strict"):
        config.read_token_file(str(f), strict=True)


def test_unreadable_token_file(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="cannot read the token file"):
        config.read_token_file(str(tmp_path / "missing"))


def test_ids_parser_expands_ranges_and_deduplicates() -> None:
    assert config.parse_ids("3,7,10-12, 7\n1") == [1, 3, 7, 10, 11, 12]


@pytest.mark.parametrize(
    "text", ["abc", "-5", "3,-1", "0", "5-3", "1-", "1--3", "1.5", "", " , ", "1-99999999"]
)
def test_ids_parser_rejects_garbage(text: str) -> None:
    with pytest.raises(ConfigError):
        config.parse_ids(text)


@given(st.lists(st.tuples(st.integers(1, 10_000), st.integers(0, 50)), min_size=1, max_size=20))
def test_ids_parser_matches_a_reference_model(ranges: list[tuple[int, int]]) -> None:
    text = ",".join(f"{lo}-{lo + width}" if width else str(lo) for lo, width in ranges)
    expected = sorted({i for lo, width in ranges for i in range(lo, lo + width + 1)})
    assert config.parse_ids(text) == expected


@given(st.text(max_size=30))
def test_ids_parser_never_crashes(text: str) -> None:
    try:
        ids = config.parse_ids(text)
    except ConfigError as exc:
        assert "\n" not in str(exc)
    else:
        assert ids == sorted(set(ids)) and all(i >= 1 for i in ids)


def test_db_path_that_is_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="is a directory"):
        config.resolve_db_path(str(tmp_path), {})
    assert (
        config.resolve_db_path(None, {"AUTHENTIK_ETL_DB": str(tmp_path / "x.duckdb")})
        == tmp_path / "x.duckdb"
    )


def test_settings_reject_out_of_range_values_and_hide_the_token(tmp_path: Path) -> None:
    base = {"base_url": "http://127.0.0.1", "token": "S3CRET-token", "db_path": tmp_path / "d"}
    for bad in ({"concurrency": 0}, {"timeout": 0}, {"max_attempts": 0}, {"mode": "both"}):
        with pytest.raises(ConfigError):
            settings.SyncSettings(**base, **bad)
    assert "S3CRET" not in repr(settings.SyncSettings(**base))
