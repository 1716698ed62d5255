"""Changes made through authentik show up, exactly, in the next sync.

One connection deleted, one source disabled and one connection added on the server, then a second
sync (the CLI, list mode): the deleted connection soft-deleted, the source disabled with a new
history version (the old one closed), the new connection inserted; inserted=1, deleted=1, and the
connections of the disabled source updated (their payload embeds the source). The server is put
back in `finally`, whatever failed.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from ak_api import Api, ApiCallFailed, writable_on_create
from ak_pg import CONNECTIONS, Postgres
from etl_db import Synced
from etl_run import Real, run_cli, run_sync, tail

SAML_CONNECTIONS = "/sources/user_connections/saml/"


@dataclass(frozen=True)
class Victim:
    """The connection the test deletes, as it was (to re-create it afterwards)."""

    pk: int
    user_pk: int
    source_pk: str
    identifier: str
    created: datetime
    last_updated: datetime


@dataclass
class Plan:
    disable: tuple[str, str]  # (pk, slug) of an enabled SAML source
    victim: Victim
    add: tuple[int, str]  # (user pk, source pk) of the connection to add
    identifier: str
    api_creates: bool  # the API can create a connection (2025.12: yes, 2024.10: no, SQL then)
    added_pk: int | None = None
    deleted: bool = False
    disabled: bool = False


def make_plan(api: Api, pg: Postgres) -> Plan:
    saml = pg.saml_sources()
    enabled = [(pk, slug) for pk, slug, on in saml if on]
    assert enabled, "the server has no enabled SAML source to disable"
    (victim_row,) = pg.rows(
        f"SELECT c.id, c.user_id, c.source_id, c.created, c.last_updated FROM {CONNECTIONS} AS c "
        "JOIN authentik_sources_saml_usersamlsourceconnection AS t ON t.usersourceconnection_ptr_id = c.id "
        "ORDER BY c.id LIMIT 1"
    )
    pk, user_pk, source_pk, created, last_updated = victim_row
    victim = Victim(pk, user_pk, str(source_pk), pg.connection_identifier(pk), created, last_updated)
    # A user with connections, but none to the victim's source (at most one per user and source).
    user_pk = pg.value(
        f"SELECT min(user_id) FROM {CONNECTIONS} WHERE user_id NOT IN "
        f"(SELECT user_id FROM {CONNECTIONS} WHERE source_id = %s)",
        (victim.source_pk,),
    )
    assert user_pk is not None, "every user already has a connection to that source"
    return Plan(
        disable=enabled[0],
        victim=victim,
        add=(user_pk, victim.source_pk),
        identifier=f"authentik-etl-real-{uuid.uuid4().hex[:12]}",
        api_creates=writable_on_create(api, SAML_CONNECTIONS, "user", "source", "identifier"),
    )


def add_connection(api: Api, pg: Postgres, plan: Plan, user_pk: int, source_pk: str, identifier: str) -> int:
    if plan.api_creates:
        body = {"user": user_pk, "source": source_pk, "identifier": identifier}
        return int(api.post(SAML_CONNECTIONS, body)["pk"])
    return pg.insert_saml_connection(user_pk, source_pk, identifier)


def delete_connection(api: Api, pk: int) -> None:
    try:
        api.delete(f"/sources/user_connections/all/{pk}/")
    except ApiCallFailed as exc:
        if exc.status != 405:
            raise
        api.delete(f"{SAML_CONNECTIONS}{pk}/")


def test_changes_show_in_next_sync(real: Real, api: Api, pg: Postgres, db_path: Path) -> None:
    first = run_sync(real, db_path, mode="list")
    assert first.status == "succeeded", first.error
    plan = make_plan(api, pg)
    try:
        delete_connection(api, plan.victim.pk)
        plan.deleted = True
        api.patch(f"/sources/saml/{plan.disable[1]}/", {"enabled": False})
        plan.disabled = True
        plan.added_pk = add_connection(api, pg, plan, *plan.add, plan.identifier)

        process = run_cli(real, db_path, mode="list")
        assert process.returncode == 0, tail(process)
        check_second_sync(pg, db_path, plan)
    finally:
        restore(api, pg, plan)


def check_second_sync(pg: Postgres, db_path: Path, plan: Plan) -> None:
    live = pg.connections()
    assert plan.victim.pk not in live and plan.added_pk in live
    disabled_pk = plan.disable[0]
    of_disabled = {pk for pk, row in live.items() if row["source_pk"] == disabled_pk} - {plan.added_pk}
    with Synced(db_path) as synced:
        runs = synced.runs()
        connections = synced.connections(live=False)
        sources = synced.sources()
        history = synced.history(disabled_pk)
        open_versions = synced.open_versions()
    run = runs[-1]
    counts = {k: run[k] for k in ("status", "mode", "inserted", "deleted", "updated", "unchanged", "failed")}
    assert counts == {
        "status": "succeeded",
        "mode": "list",
        "inserted": 1,
        "deleted": 1,
        "updated": len(of_disabled),
        "unchanged": len(live) - 1 - len(of_disabled),
        "failed": 0,
    }

    gone = connections[plan.victim.pk]
    assert gone["deleted_at"] is not None and gone["deleted_at"] >= run["started_at"]
    assert [pk for pk, row in connections.items() if row["deleted_at"] is not None] == [plan.victim.pk]
    added = connections[plan.added_pk]
    assert (added["user_pk"], added["source_pk"], added["deleted_at"]) == (*plan.add, None)
    if "identifier" in added["payload"]:
        assert added["identifier"] == plan.identifier
    assert added["first_seen_at"] >= run["started_at"]

    assert sources[disabled_pk]["enabled"] is False
    payloads = [connections[pk]["payload"] for pk in of_disabled]
    embedded = {p["source_obj"]["enabled"] if "source_obj" in p else p["source"]["enabled"] for p in payloads}
    assert embedded == {False}, "the updated connections carry the disabled source"
    old, new = history
    assert (old["enabled"], new["enabled"]) == (True, False)
    assert old["valid_to"] is not None and old["valid_to"] == new["valid_from"], "old version closed"
    assert new["valid_to"] is None and new["first_run_id"] == run["run_id"]
    assert old["valid_to"] >= run["started_at"]
    assert open_versions == dict.fromkeys(sources, 1)


def restore(api: Api, pg: Postgres, plan: Plan) -> None:
    """Put the server back as it was; every step is tried, the first failure raised at the end."""
    errors: list[BaseException] = []

    def attempt(step: Any, *args: Any) -> None:
        try:
            step(*args)
        except Exception as exc:
            errors.append(exc)

    if plan.disabled:
        attempt(api.patch, f"/sources/saml/{plan.disable[1]}/", {"enabled": True})
    if plan.added_pk is not None:
        attempt(delete_connection, api, plan.added_pk)
    if plan.deleted:
        attempt(recreate, api, pg, plan)
    if errors:
        raise errors[0]


def recreate(api: Api, pg: Postgres, plan: Plan) -> None:
    """Re-create the deleted connection: through the API (same user, source and identifier; its pk
    and created time differ, which is acceptable), or where the API cannot create connections
    (2024.10) with SQL, then with the same pk and timestamps as before."""
    victim = plan.victim
    if plan.api_creates:
        add_connection(api, pg, plan, victim.user_pk, victim.source_pk, victim.identifier)
        return
    pg.insert_saml_connection(
        victim.user_pk,
        victim.source_pk,
        victim.identifier,
        pk=victim.pk,
        created=victim.created,
        last_updated=victim.last_updated,
    )
