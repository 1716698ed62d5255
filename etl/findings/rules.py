"""The rules: one documented SQL file each in sql/findings/, with a header the code and the docs read.

    -- rule: <name>               the contract name (finding ids hash it)
    -- severity: <text>           the severities it gives, in words
    -- needs: users, sources      the parts a run must have read in full to evaluate it
    -- why: ...                   the explanation (README, HTML report)
    -- fix: ...                   what to do about it

The SELECT below the header yields key (the ids involved, never names), severity, source_pk,
source_slug, user_pk, username and detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from authentik_etl.core import options
from authentik_etl.load import sqlfiles

SEVERITIES = options.SEVERITIES  # most severe first (also the choices of --fail-on, --min-severity)
PARTS = ("connections", "sources", "source_details", "users", "groups", "group_connections")


@dataclass(frozen=True)
class Rule:
    name: str
    severity: str
    needs: tuple[str, ...]
    why: str
    fix: str
    sql: str


def rank(severity: str) -> int:
    """0 for critical ... 4 for info; unknown severities rank below info."""
    return SEVERITIES.index(severity) if severity in SEVERITIES else len(SEVERITIES)


def at_least(severity: str) -> tuple[str, ...]:
    """The severities at or above this one."""
    return SEVERITIES[: rank(severity) + 1]


@cache
def load() -> tuple[Rule, ...]:
    """Every rule of sql/findings/, in name order."""
    return tuple(parse(name, text) for name, text in sqlfiles.listing("findings"))


def parse(filename: str, text: str) -> Rule:
    header: dict[str, str] = {}
    for line in text.splitlines():
        if not line.startswith("-- "):
            break
        key, sep, value = line[3:].partition(":")
        if sep and key.strip() in ("rule", "severity", "needs", "why", "fix"):
            header[key.strip()] = value.strip()
    missing = [k for k in ("rule", "severity", "needs", "why", "fix") if k not in header]
    if missing or header.get("rule") != filename.removesuffix(".sql"):
        raise ValueError(f"sql/findings/{filename}: header must name the rule as its file and give {missing}")
    needs = tuple(p.strip() for p in header["needs"].split(",") if p.strip())
    unknown = [p for p in needs if p not in PARTS]
    if unknown:
        raise ValueError(f"sql/findings/{filename}: unknown parts in needs: {unknown}")
    return Rule(header["rule"], header["severity"], needs, header["why"], header["fix"], text)
