"""Settings from flags and environment, validated once, with one-line errors (exit 2)."""

from __future__ import annotations

import ipaddress
import logging
import re
import stat
from collections.abc import Mapping
from pathlib import Path
from urllib.parse import urlsplit

from authentik_etl.core.errors import ConfigError

log = logging.getLogger(__name__)

API_PREFIX = "/api/v3"  # where authentik's API lives under its address (the one copy)
_DIGITS = re.compile(r"[0-9]{1,12}")
MAX_EXPLICIT_IDS = 1_000_000
DEFAULT_DB = "authentik.duckdb"


def normalise_base_url(raw: str, *, allow_insecure_http: bool = False) -> str:
    """Return the authentik origin (scheme://host[:port][/prefix]) without `/api/v3`."""
    value = raw.strip()
    if not value:
        raise ConfigError(
            "AUTHENTIK_URL is empty: set it to your authentik address, e.g. https://auth.example.com"
        )
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ConfigError(
            f"AUTHENTIK_URL {value!r} is not an http(s) URL: write it as https://auth.example.com"
        )
    if parts.username or parts.password:
        raise ConfigError("AUTHENTIK_URL must not carry credentials: pass the token in AUTHENTIK_TOKEN")
    if parts.query or parts.fragment:
        raise ConfigError(f"AUTHENTIK_URL {value!r} has a query or fragment: give only the address")
    try:
        port = parts.port
    except ValueError as exc:
        raise ConfigError(f"AUTHENTIK_URL {value!r} has an invalid port") from exc
    if parts.scheme == "http" and not allow_insecure_http and not _is_loopback(parts.hostname):
        raise ConfigError(
            f"AUTHENTIK_URL uses plain http:// for {parts.hostname}: use https://, "
            "or pass --allow-insecure-http if you really mean it"
        )
    path = parts.path.rstrip("/")
    if path.endswith(API_PREFIX):
        path = path[: -len(API_PREFIX)]
    netloc = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port is not None:
        netloc = f"{netloc}:{port}"
    _check_not_a_page(value, path, f"{parts.scheme}://{netloc}")
    return f"{parts.scheme}://{netloc}{path}"


def _check_not_a_page(value: str, path: str, origin: str) -> None:
    """The two usual mistakes: an address inside the API, or of authentik's web interface."""
    inside = f"{path}/"
    if "/if/" in inside or "/flows/" in inside:
        where = "/if/" if "/if/" in inside else "/flows/"
        raise ConfigError(
            f"AUTHENTIK_URL {value!r} is a page of authentik's web interface ({where}...): give its base "
            f"address instead, e.g. {origin}"
        )
    if "/api/" in inside:
        raise ConfigError(
            f"AUTHENTIK_URL {value!r} points inside authentik's API: give its base address, without "
            f"/api/v3 and what follows, e.g. {origin}"
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def check_token(token: str, origin: str) -> str:
    if not token:
        raise ConfigError(f"the API token from {origin} is empty: create a token in authentik and set it")
    if any(ch.isspace() for ch in token):
        raise ConfigError(
            f"the API token from {origin} contains whitespace or a line break: "
            "copy the token alone, without spaces"
        )
    return token


def read_token_file(path: str, *, strict: bool = False) -> str:
    file = Path(path)
    try:
        mode = file.stat().st_mode
        raw = file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        reason = getattr(exc, "strerror", None) or type(exc).__name__
        raise ConfigError(f"cannot read the token file {path}: {reason}") from None
    if mode & (stat.S_IROTH | stat.S_IWOTH):
        message = f"the token file {path} is readable by every user: run chmod 600 {path}"
        if strict:
            raise ConfigError(message + " (refused because of --strict)")
        log.warning(message)
    if raw.endswith("\r\n"):
        raw = raw[:-2]
    elif raw.endswith("\n"):
        raw = raw[:-1]
    return check_token(raw, f"file {path}")


def resolve_token(
    token_file: str | None,
    env: Mapping[str, str],
    *,
    strict: bool = False,
    file_token_file: str | None = None,
) -> str:
    """--token-file, then AUTHENTIK_TOKEN, then AUTHENTIK_TOKEN_FILE, then the config file's token_file."""
    if token_file:
        return read_token_file(token_file, strict=strict)
    if "AUTHENTIK_TOKEN" in env:
        return check_token(env["AUTHENTIK_TOKEN"], "AUTHENTIK_TOKEN")
    if env.get("AUTHENTIK_TOKEN_FILE"):
        return read_token_file(env["AUTHENTIK_TOKEN_FILE"], strict=strict)
    if file_token_file:
        return read_token_file(file_token_file, strict=strict)
    raise ConfigError(
        "no API token: set AUTHENTIK_TOKEN, or AUTHENTIK_TOKEN_FILE / --token-file / token_file in the "
        "config file to a file holding it"
    )


def resolve_db_path(flag: str | None, env: Mapping[str, str]) -> Path:
    path = Path(flag or env.get("AUTHENTIK_ETL_DB") or DEFAULT_DB).expanduser()
    if path.is_dir():
        raise ConfigError(
            f"database path {path} is a directory: give a file name such as {path}/authentik.duckdb"
        )
    if not path.parent.exists():
        raise ConfigError(f"the folder of the database path {path} does not exist: create it first")
    return path


def parse_ids(text: str) -> list[int]:
    """Parse "3,7,10-20" (also newlines and spaces as separators) into sorted unique ids."""
    ids: set[int] = set()
    for token in text.replace("\n", ",").replace(" ", ",").replace("\t", ",").split(","):
        if token:
            _add_id_token(ids, token)
    if not ids:
        raise ConfigError("no connection ids given: write them as 3,7,10-20")
    return sorted(ids)


def _add_id_token(ids: set[int], token: str) -> None:
    first, sep, last = token.partition("-")
    if not _DIGITS.fullmatch(first) or (sep and not _DIGITS.fullmatch(last)):
        raise ConfigError(f"bad connection id {token!r}: ids are positive integers or ranges like 10-20")
    low, high = int(first), int(last) if sep else int(first)
    if low < 1 or high < low:
        raise ConfigError(f"bad connection id range {token!r}: ids start at 1 and ranges go upwards")
    if high - low + 1 + len(ids) > MAX_EXPLICIT_IDS:
        raise ConfigError(
            f"too many connection ids ({token!r} and others pass {MAX_EXPLICIT_IDS:,}): "
            "drop --ids to sync everything"
        )
    ids.update(range(low, high + 1))


def read_ids_file(path: str, stdin_text: str | None = None) -> list[int]:
    if path == "-":
        return parse_ids(stdin_text or "")
    try:
        return parse_ids(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"cannot read the ids file {path}: {exc.strerror}") from None


_DURATION = re.compile(r"([0-9]+(?:\.[0-9]+)?)\s*([smhd]?)")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_duration(text: str) -> float:
    """'26h', '90m', '2d', '3600s' or plain seconds, as seconds."""
    match = _DURATION.fullmatch(text.strip().lower())
    if not match:
        raise ConfigError(f"bad duration {text!r}: write it like 26h, 90m, 2d or 3600s")
    return float(match[1]) * _UNIT_SECONDS[match[2]]
