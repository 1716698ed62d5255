"""The deletion guard: a token that sees less must never read as "everything was deleted".

authentik filters what a token may see: a service account without a role lists 0 connections (200)
and gets 403 on /sources/all/; an ordinary user's token lists only its own connections. So before
anything is applied, and before the one-by-one check of the ids a listing missed, `decide()` looks
at what the run saw of each kind of stored object and either lets the run go on or refuses it:

    a listing the run needs was refused (403), and a kind is empty or over the limit   exit 4
    zero visible rows of a kind while the database holds live ones                     exit 4 or 6
    more deletions than the limit, nothing refused                                     exit 6
    everything 200, zero rows, nothing stored                                          go on, warn
    deletions within the limit                                                         go on

The limit is `--max-delete N` or `P%` of the live stored rows of that kind (default 10%, at least
10 rows); `--allow-mass-delete` lets one run over the limit (never over a refusal).
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path

import duckdb

from authentik_etl.core.errors import MassDeletionRefused, PermissionRefused
from authentik_etl.core.results import SyncResult
from authentik_etl.core.settings import DeleteLimit
from authentik_etl.load import db, sqlfiles

log = logging.getLogger(__name__)

# The permissions a nightly token's user needs, by kind of object (authentik's codenames).
PERMISSIONS = {
    "connections": "authentik_core.view_usersourceconnection",
    "sources": "authentik_core.view_source",
    "users": "authentik_core.view_user",
    "groups": "authentik_core.view_group",
}
# Listings besides connections and sources under the same guard (sql/deletion_guard.sql's order).
GUARDED_PARTS = ("users", "groups", "group_connections")
# Kinds an instance always has: seeing none of them is a warning when none are stored, and a refusal
# when some are. Group connections are often few, and the last one may really go: they fall under
# the deletion limit only (--max-delete, at least 10 rows).
EXPECTED = ("connections", "sources", "users", "groups")


@dataclass(frozen=True)
class Seen:
    """What one run saw of one kind of stored object."""

    kind: str  # "connections", "sources", "users", "groups", "group_connections"
    stored: int  # live rows in the database before the run
    visible: int  # rows the listing returned
    would_delete: int  # live stored rows the run did not see (an upper bound of its deletions)
    listed: bool = True  # False: its listing was refused or incomplete, so nothing of it is deleted


def what_was_seen(
    staging: duckdb.DuckDBPyConnection, db_path: Path, result: SyncResult, *, unseen: bool = True
) -> tuple[list[Seen], list[int]]:
    """What the run saw of each stored kind (sql/deletion_guard.sql, on the staging database with the
    main one attached read-only), and the live connections its listing did not return (none asked
    for by an incremental run: it listed only what changed)."""
    staging.execute(f"ATTACH {db.quote_literal(str(db_path))} AS target (READ_ONLY)")
    try:
        counts = db.first_row(staging, sqlfiles.read("deletion_guard.sql"))
        rows = staging.execute(
            "SELECT pk FROM target.user_source_connections WHERE deleted_at IS NULL "
            "AND pk NOT IN (SELECT pk FROM stg_seen) ORDER BY pk"
        ).fetchall() if unseen else []  # fmt: skip
    finally:
        staging.execute("DETACH target")
    assert counts is not None
    stored, would_delete, sources_stored, sources_visible, sources_gone, *directory = counts
    seen = [
        Seen("connections", stored, result.discovered, would_delete),
        Seen("sources", sources_stored, sources_visible, sources_gone, listed=result.sources_complete),
    ]
    for kind, (kind_stored, visible, gone) in zip(GUARDED_PARTS, _triples(directory), strict=True):
        seen.append(Seen(kind, kind_stored, visible, gone, listed=kind in result.complete_parts))
    return seen, [pk for (pk,) in rows]


def counted(connections: Seen, count: int) -> Seen:
    """What an incremental run saw of connections (or users): it lists only what changed, so the
    listing's `count` stands for what the token sees (a token that lost its permission is caught
    that night)."""
    return replace(connections, visible=count, would_delete=max(0, connections.stored - count), listed=True)


def _triples(values: list[int]) -> list[tuple[int, int, int]]:
    return [(values[i], values[i + 1], values[i + 2]) for i in range(0, len(values), 3)]


def record_visibility(db_path: Path, run_id: str, visible: int, refused: list[str]) -> None:
    """What the token could see, recorded before the guard decides (a refused run keeps it too)."""
    con = db.connect(db_path, wait=db.OPEN_WAIT_SECONDS)
    try:
        con.execute(
            "UPDATE sync_runs SET visible_connections = ?, refused_endpoints = ? WHERE run_id = ?",
            [visible, refused, run_id],
        )
    finally:
        con.close()


def decide(
    seen: list[Seen],
    refused: list[str],
    limit: DeleteLimit,
    *,
    allow_mass_delete: bool = False,
    release: str | None = None,
) -> None:
    """Raise PermissionRefused (exit 4) or MassDeletionRefused (exit 6), or return: the run goes on."""
    for kind in seen:
        problem = _problem(kind, limit, bool(refused), allow_mass_delete)
        if problem is None:
            continue
        if refused:
            raise PermissionRefused(
                f"{problem}, and authentik refused {', '.join(refused)} (403): the token's user cannot "
                f"see everything; nothing was applied. {fix_for(release)}"
            )
        raise MassDeletionRefused(
            f"{problem}: nothing was applied. If the token's permissions did not change and the rows "
            f"really are gone, run once with --allow-mass-delete (or raise --max-delete, now {limit})"
        )
    for kind in seen:
        if kind.visible == 0 and kind.stored == 0 and kind.listed and kind.kind in EXPECTED:
            log.warning(
                "the token sees no %s at all: if authentik has some, its user lacks %s (see the "
                "README, 'least-privilege token')",
                kind.kind,
                PERMISSIONS.get(kind.kind, "a view permission"),
            )


def _problem(kind: Seen, limit: DeleteLimit, anything_refused: bool, allow: bool) -> str | None:
    """Why this kind stops the run, in words with its numbers; None if it does not."""
    if not kind.listed:
        return None  # nothing of a kind whose listing was refused or incomplete is deleted
    numbers = f"{kind.stored:,} stored, {kind.visible:,} visible, {kind.would_delete:,} would be deleted"
    if kind.visible == 0 and anything_refused:  # the first run included
        return f"the token sees no {kind.kind} ({numbers})"
    if kind.stored == 0:
        return None
    if kind.visible == 0 and not allow and kind.kind in EXPECTED:
        return f"the token sees no {kind.kind} while the database holds live ones ({numbers})"
    allowed = limit.rows(kind.stored)
    if kind.would_delete > allowed and (anything_refused or not allow):
        return (
            f"this run would delete more {kind.kind} than --max-delete {limit} allows "
            f"({numbers}, at most {allowed:,})"
        )
    return None


def fix_for(release: str | None) -> str:
    """What the token's user needs, worded for the server's release where it is known."""
    perms = " and ".join(PERMISSIONS.values())
    role = f"give the token's user a role (through its group) with the global permissions {perms}"
    superuser = "make the token's user a member of a group with superuser status"
    if release is None:
        return f"Fix: on authentik 2025.2 and later {role}; before 2025.2 {superuser}"
    if _before_2025_2(release):
        return f"Fix (authentik {release}): {superuser} (no narrower permission sees every connection there)"
    return f"Fix (authentik {release}): {role}"


def _before_2025_2(release: str) -> bool:
    parts = re.findall(r"[0-9]+", release)[:2]
    if len(parts) < 2:
        return False
    return (int(parts[0]), int(parts[1])) < (2025, 2)
