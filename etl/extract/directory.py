"""authentik's directory as the findings need it: users and groups, every release's shape in.

Shapes (tests/fixtures/samples/): users gain `date_joined` and `password_change_date` in 2025.4 and
`last_updated`, `roles` in 2025.12; a group has one `parent` (+ `parent_name`) up to 2025.10 and a
list of `parents` (+ `children`) from 2025.12. `is_superuser` on a user is derived by authentik from
its groups. What is kept: the fields below, and the payload minus `attributes` (free-form: sources and
admins put anything there, secrets included) and minus a group's `users` list (its length is kept).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import partial
from typing import Any, TypeVar
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, ValidationError

from authentik_etl.extract import sourcetypes
from authentik_etl.extract.models import PayloadError, _describe, dump_payload

M = TypeVar("M", bound=BaseModel)
KNOWN_USER_TYPES = ("internal", "external", "service_account", "internal_service_account")
USERS_PATH = "/core/users/"
GROUPS_PATH = "/core/groups/"
GROUP_CONNECTIONS_PATH = "/sources/group_connections/all/"  # 2025.4 on (a 404 before)
# Never stored: free-form data (may hold secrets), and what is only a copy of another listing.
DROPPED_USER_FIELDS = ("attributes", "groups_obj", "roles_obj")
DROPPED_GROUP_FIELDS = ("attributes", "users", "users_obj", "parents_obj", "children_obj", "roles_obj",
                        "inherited_roles_obj")  # fmt: skip
_DROPPED_USER_KEYS, _DROPPED_GROUP_KEYS = frozenset(DROPPED_USER_FIELDS), frozenset(DROPPED_GROUP_FIELDS)


class User(BaseModel):
    # Other fields are ignored, not kept on the model: the payload is taken from the raw object
    # (user_row), and keeping a copy of every extra field doubled validation's CPU (100k users:
    # 0.77 -> 0.31 s with frozen off too; bench/findings.py).
    model_config = ConfigDict(extra="ignore")

    pk: int = Field(ge=1)
    uuid: UUID
    username: str
    name: str = ""
    email: str | None = None
    is_active: bool = True
    is_superuser: bool = False
    last_login: datetime | None = None
    date_joined: datetime | None = None
    last_updated: datetime | None = None
    path: str | None = None
    type: str | None = None  # kept as text: a new type is stored, never rejected
    groups: list[UUID] = Field(default_factory=list)


class Group(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    pk: UUID
    num_pk: int | None = None
    name: str
    is_superuser: bool = False
    parent: UUID | None = None  # up to 2025.10
    parents: list[UUID] | None = None  # from 2025.12
    users: list[int] = Field(default_factory=list)

    @property
    def parent_pks(self) -> list[UUID]:
        if self.parents is not None:
            return list(self.parents)
        return [self.parent] if self.parent is not None else []


class GroupConnection(BaseModel):
    """A group-source connection (2025.4 on): which authentik group a source's group is linked to."""

    model_config = ConfigDict(extra="allow", frozen=True)

    pk: int = Field(ge=1)
    group: UUID
    source: UUID
    identifier: str
    created: datetime | None = None
    last_updated: datetime | None = None


def _validate(model: type[M], payload: Any) -> M:
    """One object read with its model; a PayloadError naming the first problems otherwise."""
    try:
        return model.model_validate(payload)
    except ValidationError as exc:
        raise PayloadError(_describe(exc)) from None


def parse_user(payload: Any) -> User:
    return _validate(User, payload)


def parse_group(payload: Any) -> Group:
    return _validate(Group, payload)


def parse_group_connection(payload: Any) -> GroupConnection:
    return _validate(GroupConnection, payload)


def group_connection_row(conn: GroupConnection, raw: dict[str, Any]) -> dict[str, Any]:
    """Flattened like a user's connection; the payload is kept whole (it holds no secret)."""
    return {
        "pk": conn.pk, "group_pk": str(conn.group), "source_pk": str(conn.source),
        "identifier": conn.identifier, "created": conn.created, "last_updated": conn.last_updated,
        "payload": dump_payload(raw),
    }  # fmt: skip


def user_row(user: User, raw: dict[str, Any]) -> dict[str, Any]:
    """The flat row of a user (UUIDs as text); `payload` is the object without DROPPED_USER_FIELDS."""
    return {
        "pk": user.pk,
        "uuid": raw["uuid"],  # validated as a UUID by the model; the text is what DuckDB reads
        "username": user.username,
        "name": user.name,
        "email": user.email or None,
        "is_active": user.is_active,
        "is_superuser": user.is_superuser,
        "type": user.type,
        "path": user.path,
        "last_login": user.last_login,
        "date_joined": user.date_joined,
        "last_updated": user.last_updated,
        "group_pks": sorted(raw.get("groups") or []),  # validated UUIDs, as text, in one order
        "payload": dump_payload(raw, exclude=_DROPPED_USER_KEYS),
    }


def group_row(group: Group, raw: dict[str, Any]) -> dict[str, Any]:
    """The flat row of a group; its member count comes from the `users` pk list (no count field)."""
    return {
        "pk": str(group.pk),
        "num_pk": group.num_pk,
        "name": group.name,
        "is_superuser": group.is_superuser,
        "parent_pks": [str(pk) for pk in group.parent_pks],
        "member_count": len(group.users),
        "payload": dump_payload(raw, exclude=_DROPPED_GROUP_KEYS),
        "member_pks": list(group.users),
    }


def list_params(path: str, users_since: datetime | None = None) -> dict[str, str]:
    """The lean form (every release has both flags): no group objects in users, no user objects in
    groups; with `users_since`, only the users updated after it (2025.12 on; older releases ignore
    the filter and list everyone, which the caller checks)."""
    if path == USERS_PATH:
        since = {} if users_since is None else {"last_updated__gt": users_since.isoformat()}
        return {"include_groups": "false", **since}
    return {"include_users": "false"} if path == GROUPS_PATH else {}


def page_parser(model: type[BaseModel]) -> Callable[[list[Any]], list[Any]]:
    """Validate a whole page at once (one call into pydantic-core: a third cheaper per user than one
    call per object); when the page has a bad item, item by item, a PayloadError in its place."""
    adapter = TypeAdapter(list[model])  # type: ignore[valid-type]

    def parse_page(items: list[Any]) -> list[Any]:
        try:
            return list(adapter.validate_python(items))
        except ValidationError:
            return [_parse_or_error(model, item) for item in items]

    return parse_page


def _parse_or_error(model: type[BaseModel], item: Any) -> Any:
    try:
        return _validate(model, item)
    except PayloadError as exc:
        return exc


def each(parse: Callable[[Any], Any]) -> Callable[[list[Any]], list[Any]]:
    """A page parser from an item parser (its PayloadError in the item's place)."""

    def parse_page(items: list[Any]) -> list[Any]:
        out: list[Any] = []
        for item in items:
            try:
                out.append(parse(item))
            except PayloadError as exc:
                out.append(exc)
        return out

    return parse_page


@dataclass(frozen=True)
class Part:
    """One listing read besides the connections: where it is, how one item is read and flattened."""

    kind: str  # "users", "groups", "group_connections", "sources_oauth", ...: the run's name for it
    path: str
    parse: Callable[[list[Any]], list[Any]]  # a page's items -> each one parsed, or its PayloadError
    row: Callable[[Any, dict[str, Any]], dict[str, Any]]
    table: str  # its staging table
    key: str = "pk"  # the row's identity, for counting distinct rows
    in_some_releases: bool = False  # a 404 means "not in this release": complete and empty
    permission: str = ""  # what the token's user needs to list it (README, least-privilege token)


DIRECTORY = (
    Part(
        "users", USERS_PATH, page_parser(User), user_row, "stg_users", permission="authentik_core.view_user"
    ),
    Part(
        "groups",
        GROUPS_PATH,
        page_parser(Group),
        group_row,
        "stg_groups",
        permission="authentik_core.view_group",
    ),
)
DETAIL = (
    Part("group_connections", GROUP_CONNECTIONS_PATH, page_parser(GroupConnection), group_connection_row,
         "stg_group_connections", in_some_releases=True,
         permission="authentik_core.view_groupsourceconnection"),
    *(Part(f"sources_{t}", sourcetypes.path_of(t), each(sourcetypes.parse_detail),
           partial(sourcetypes.detail_row, t), "stg_source_details", "source_pk", in_some_releases=True,
           permission=f"authentik_sources_{t}.view_{t}source")
      for t in sourcetypes.TYPES),
)  # fmt: skip
PARTS = DIRECTORY + DETAIL
