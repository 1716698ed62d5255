"""Every API shape in, one flat row shape out.

Shapes (see README "API shapes"): the nested `source` object (up to 2024.10); `source` UUID plus
`source_obj` (2024.12+); `identifier` and `last_updated` (2025.4+); `promoted`, `icon_url`,
`icon_themed_urls` on sources (2025.12+). Unknown fields are allowed (they stay in `payload`);
enumerations are plain strings so new values are kept, never rejected.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

import pydantic_core
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

KNOWN_MATCHING_MODES = ("identifier", "email_link", "email_deny", "username_link", "username_deny")
KNOWN_POLICY_ENGINE_MODES = ("all", "any")
BASE_SOURCE_MODEL = "authentik_core.source"


class PayloadError(ValueError):
    """A payload that cannot be read as a connection or a source."""


class Source(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    pk: UUID
    name: str
    slug: str
    enabled: bool | None = None
    promoted: bool | None = None
    authentication_flow: str | None = None
    enrollment_flow: str | None = None
    user_property_mappings: list[str] = Field(default_factory=list)
    group_property_mappings: list[str] = Field(default_factory=list)
    component: str | None = None
    verbose_name: str | None = None
    verbose_name_plural: str | None = None
    meta_model_name: str | None = None
    policy_engine_mode: str | None = None
    user_matching_mode: str | None = None
    managed: str | None = None
    user_path_template: str | None = None
    icon: str | None = None
    icon_url: str | None = None
    icon_themed_urls: Any = None

    @property
    def is_base_type(self) -> bool:
        """True when serialised as the base Source (inside a connection on recent releases)."""
        return self.meta_model_name in (None, BASE_SOURCE_MODEL) and not self.component


class Connection(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    pk: int = Field(ge=1)
    user: int
    source: Source | UUID
    source_obj: Source | None = None
    identifier: str | None = None
    created: datetime | None = None
    last_updated: datetime | None = None

    @model_validator(mode="after")
    def _has_source_object(self) -> Connection:
        obj = self.source_object
        if obj is None:
            raise ValueError("no source object: expected `source` as an object or `source_obj`")
        if isinstance(self.source, UUID) and self.source != obj.pk:
            raise ValueError(f"`source` {self.source} differs from `source_obj.pk` {obj.pk}")
        return self

    @property
    def source_object(self) -> Source | None:
        return self.source if isinstance(self.source, Source) else self.source_obj


def api_shape(payload: dict[str, Any]) -> str:
    """Which release line's shape a connection payload has (see the README's "API shapes")."""
    if isinstance(payload.get("source"), dict):
        return "<=2024.10"
    if "identifier" not in payload:
        return "2024.12-2025.2"
    source = payload.get("source_obj") or {}
    return ">=2025.12" if "promoted" in source else "2025.4-2025.10"


def raw_source_of(payload: dict[str, Any]) -> dict[str, Any]:
    """The source object as received inside a connection payload (either shape)."""
    return payload[_source_key(payload) or "source_obj"]


def parse_connection(payload: Any) -> Connection:
    try:
        return Connection.model_validate(payload)
    except ValidationError as exc:
        raise PayloadError(_describe(exc)) from None


class SourceCache:
    """Parses connections, validating each distinct source object once.

    Every connection carries a copy of its source, and a run sees only a few sources: validating
    each copy again was half the cost of reading a connection. A copy equal to one already
    validated (==) is replaced by that Source instance, which pydantic takes as it is, so the
    result is what `parse_connection` gives. Shared by the fetch threads: a race only means a
    source validated twice.
    """

    def __init__(self) -> None:
        self._seen: dict[str, tuple[dict[str, Any], Source]] = {}

    def parse_connection(self, payload: Any) -> Connection:
        key = _source_key(payload)
        raw = payload[key] if key else {}
        source_pk = raw.get("pk")
        if key is None or not isinstance(source_pk, str):
            return parse_connection(payload)
        hit = self._seen.get(source_pk)
        if hit is not None and hit[0] == raw:
            return parse_connection({**payload, key: hit[1]})
        conn = parse_connection(payload)
        if conn.source_object is not None:
            self._seen[source_pk] = (raw, conn.source_object)
        return conn


def _source_key(payload: Any) -> str | None:
    """Which field of a connection payload holds its source object, if any."""
    if not isinstance(payload, dict):
        return None
    if isinstance(payload.get("source"), dict):
        return "source"
    return "source_obj" if isinstance(payload.get("source_obj"), dict) else None


def parse_source(payload: Any) -> Source:
    try:
        return Source.model_validate(payload)
    except ValidationError as exc:
        raise PayloadError(_describe(exc)) from None


def _describe(exc: ValidationError) -> str:
    """One line: the first few problems, as `field: message`."""
    problems = []
    for err in exc.errors()[:3]:
        where = ".".join(str(part) for part in err["loc"]) or "object"
        message = err["msg"].replace("\r", "\\r").replace("\n", "\\n")  # quoted input: one line
        problems.append(f"{where}: {message}")
    more = exc.error_count() - len(problems)
    return "; ".join(problems) + (f" (and {more} more)" if more > 0 else "")


def dump_payload(payload: Any, exclude: frozenset[str] | None = None) -> str:
    """Compact JSON, as authentik (Django REST framework) renders it (key order kept, UTF-8);
    `exclude`: top-level keys of an object left out (no copy of the object is made)."""
    return pydantic_core.to_json(payload, exclude=exclude).decode("utf-8")


def connection_row(conn: Connection, payload: str) -> dict[str, Any]:
    """The flat row of a connection, ready for an Arrow batch (UUIDs as text)."""
    source = conn.source_object
    assert source is not None  # guaranteed by the validator
    return {
        "pk": conn.pk,
        "user_pk": conn.user,
        "source_pk": str(source.pk),
        "identifier": conn.identifier,
        "created": conn.created,
        "last_updated": conn.last_updated,
        "payload": payload,
    }


SOURCE_COLUMNS = (
    "pk", "name", "slug", "enabled", "promoted", "authentication_flow", "enrollment_flow",
    "component", "verbose_name", "verbose_name_plural", "meta_model_name", "policy_engine_mode",
    "user_matching_mode", "managed", "user_path_template", "icon", "icon_url",
)  # fmt: skip


def source_row(source: Source, raw: dict[str, Any], *, authoritative: bool) -> dict[str, Any]:
    """The flat row of a source; `raw` is the object as received, kept as `payload`."""
    row = {name: getattr(source, name) for name in SOURCE_COLUMNS}
    row["pk"] = str(source.pk)
    themed = source.icon_themed_urls
    row["icon_themed_urls"] = None if themed is None else dump_payload(themed)
    row["payload"] = dump_payload(raw)
    row["authoritative"] = authoritative
    return row


def mapping_rows(source: Source) -> list[dict[str, Any]]:
    rows = []
    for kind, pks in (("user", source.user_property_mappings), ("group", source.group_property_mappings)):
        rows.extend(
            {"source_pk": str(source.pk), "kind": kind, "mapping_pk": pk, "position": i}
            for i, pk in enumerate(pks)
        )
    return rows
