"""The default sources (mirroring the real 2025.12.4 captures) and the source types' metadata."""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from typing import Any

_LABELS = {
    "oauth": "OAuth",
    "plex": "Plex",
    "saml": "SAML",
    "ldap": "LDAP",
    "kerberos": "Kerberos",
    "telegram": "Telegram",
}
# kind -> (component, verbose_name, verbose_name_plural, meta_model_name)
KINDS: dict[str, tuple[str, str, str, str]] = {
    "core": ("", "source", "sources", "authentik_core.source"),
    **{
        kind: (
            f"ak-source-{kind}-form",
            f"{label} Source",
            f"{label} Sources",
            f"authentik_sources_{kind}.{kind}source",
        )
        for kind, label in _LABELS.items()
    },
}

# Source fields a dataset stores (and update_source may change), in the API's order.
FIELDS = (
    "pk",
    "name",
    "slug",
    "enabled",
    "promoted",
    "authentication_flow",
    "enrollment_flow",
    "user_property_mappings",
    "group_property_mappings",
    "policy_engine_mode",
    "user_matching_mode",
    "managed",
    "user_path_template",
    "icon",  # an uploaded icon; None when unset
    "icon_url",  # the type's default icon, shown only for the real type
)

AUTH_FLOW = "23bdfdb5-3b02-46c2-90b5-093f1699bbb8"
ENROLL_FLOW = "5b8d7488-f344-42bd-b42f-c6298fc428b8"
PATH = "goauthentik.io/sources/%(slug)s"
ICONS = "/static/authentik/sources/"

# (kind, weight, pk, name, slug, enabled, flows, user mappings, group mappings,
#  policy_engine_mode, user_matching_mode, user_path_template, icon file); creation order.
_DEFAULTS: tuple[tuple[Any, ...], ...] = (
    ("core", 0, "09139940-fa25-457c-affa-7367f4955efc", "authentik Built-in",
     "authentik-built-in", True, False, [], [], "any", "identifier", PATH, None),
    ("oauth", 20, "d9d73b70-4c48-4385-a9bb-353cf805fc15", "ETL GitHub", "etl-github", True, True,
     ["3866ffa4-1258-456f-a93c-6fff2a8af4a8", "4fc9cc20-b4b4-4198-90f3-baded396a8e7"],
     ["a48e4889-af0d-44c2-b548-f29df2875f53"], "any", "identifier", PATH, "github.svg"),
    ("oauth", 8, "11f852ff-b1a7-49c4-b5ba-344da6616923", "ETL OIDC (disabled)", "etl-oidc", False,
     False, ["4fc9cc20-b4b4-4198-90f3-baded396a8e7"], [], "all", "email_link",
     "goauthentik.io/sources/oidc/%(slug)s", "openidconnect.svg"),
    ("saml", 17, "d53b0213-4dc8-4b0a-871f-825b83460b35", "ETL SAML", "etl-saml", True, True,
     ["ddc1aef2-628c-4ebd-bf62-c8420404210f"], ["8e1e32b9-7d51-4089-9051-4275ddf9c37c"], "all",
     "username_link", PATH, "saml.png"),
    ("ldap", 22, "e38fcf02-9636-4d7a-a2f2-2686a76ec867", "ETL LDAP", "etl-ldap", True, False,
     ["c83feb05-9481-4f41-be7b-680597f7a551", "02b9bf13-6bf7-4fef-815e-d40923cf8f9c",
      "a80efd26-ba6f-4eba-a1d0-19297b7a2aa6"], ["02b9bf13-6bf7-4fef-815e-d40923cf8f9c"], "any",
     "email_deny", PATH, "ldap.png"),
    ("plex", 3, "4f933f8f-d9b6-454e-b6d0-dd36900549b8", "ETL Plex (disabled)", "etl-plex", False,
     False, ["781fd327-be79-4585-ad73-9440408b87fb"], [], "any", "username_deny", PATH, "plex.svg"),
    ("kerberos", 6, "a319a6ce-cc9a-4a46-ab89-518a0eabd680", "ETL Kerberos", "etl-kerberos", True,
     False, ["1380cbbe-ce44-4883-8689-3957af2727bf", "825e7b65-4f79-4a5d-9c99-59ec337ca88c"], [],
     "all", "identifier", PATH, "kerberos.png"),
    ("oauth", 0, "8b919025-cb35-41f4-8c1d-25779abe00dc", "ETL Discord (no connections)",
     "etl-empty-discord", True, False, ["3866ffa4-1258-456f-a93c-6fff2a8af4a8"], [], "all",
     "username_link", PATH, "discord.svg"),
    ("telegram", 8, "d5f4347c-ef35-4596-ac78-459dff0d1175", "ETL Telegram", "etl-telegram", True,
     False, ["fec71d86-5c4c-4dbf-82c2-773d473bdef0"], [], "any", "email_link", PATH,
     "telegram.svg"),
)  # fmt: skip

# Beyond the real capture, for the findings demo: an enabled OpenID Connect source that links by email.
_VARIETY: tuple[tuple[Any, ...], ...] = (
    ("oauth", 0, "f7c2a1d4-3e5b-4c69-8d0a-1b2c3d4e5f60", "ETL Okta (OIDC, no connections)", "etl-okta", True,
     True, ["4fc9cc20-b4b4-4198-90f3-baded396a8e7"], [], "any", "email_link", PATH, "openidconnect.svg"),
)  # fmt: skip


@dataclass(slots=True)
class SourceRecord:
    """One source: its type, its share of generated connections and its API fields."""

    sid: int
    kind: str
    weight: int
    fields: dict[str, Any] = field(default_factory=dict)

    @property
    def slug(self) -> str:
        return str(self.fields["slug"])


def _record(sid: int, row: tuple[Any, ...]) -> SourceRecord:
    kind, weight, pk, name, slug, enabled, flows, umaps, gmaps, pem, umm, path, icon = row
    fields = {
        "pk": pk,
        "name": name,
        "slug": slug,
        "enabled": enabled,
        "promoted": False,
        "authentication_flow": AUTH_FLOW if flows else None,
        "enrollment_flow": ENROLL_FLOW if flows else None,
        "user_property_mappings": list(umaps),
        "group_property_mappings": list(gmaps),
        "policy_engine_mode": pem,
        "user_matching_mode": umm,
        "managed": "goauthentik.io/sources/inbuilt" if kind == "core" else None,
        "user_path_template": path,
        "icon": None,
        "icon_url": ICONS + icon if icon else None,
    }
    return SourceRecord(sid=sid, kind=kind, weight=weight, fields=fields)


def default_sources(telegram: bool = True, variety: bool = False) -> list[SourceRecord]:
    """Fresh copies of the default sources, in creation order (Telegram only if it exists);
    `variety` adds the sources the findings demo needs beyond the real capture."""
    rows = [r for r in _DEFAULTS + (_VARIETY if variety else ()) if telegram or r[0] != "telegram"]
    return [_record(i, copy.deepcopy(r)) for i, r in enumerate(rows)]


def render_source(rec: SourceRecord, source_v2: bool, real: bool) -> dict[str, Any]:
    """A Source as the API serialises it: its real type (/sources/all/) or the base type
    (nested in a connection, where authentik serialises the plain ``Source`` model)."""
    f = rec.fields
    component, verbose, plural, meta = KINDS[rec.kind if real else "core"]
    out: dict[str, Any] = {"pk": f["pk"], "name": f["name"], "slug": f["slug"]}
    out["enabled"] = f["enabled"]
    if source_v2:
        out["promoted"] = f["promoted"]
    for key in FIELDS[5:9]:
        out[key] = f[key]
    out.update(component=component, verbose_name=verbose, verbose_name_plural=plural)
    out["meta_model_name"] = meta
    for key in FIELDS[9:13]:
        out[key] = f[key]
    icon_url = (f["icon"] or f["icon_url"]) if real else f["icon"]
    if source_v2:
        out.update(icon=f["icon"] or "", icon_url=icon_url or None, icon_themed_urls=None)
    else:
        out["icon"] = icon_url or None
    return out
