"""Per-type source detail, from the per-type list endpoints (`/sources/oauth/`, `/sources/saml/`, ...).

Only fields from an allow-list are kept, never the whole object: `/sources/plex/` returns
`plex_token` in clear on real servers, and other types carry secrets or secret-adjacent values
(OAuth `consumer_key`, LDAP `bind_cn`, Kerberos `krb5_conf` and credential caches). The fields the
findings read get columns of their own; the rest of the allow-list goes into `settings` (JSON).
`group_matching_mode` is a field of the OAuth, SAML, Plex and Kerberos types only (OpenAPI schemas
2024.10 to 2026.5); Telegram exists from 2025.12 (a 404 before), SCIM has nothing kept beyond its pk.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from authentik_etl.extract.models import PayloadError, dump_payload

COLUMNS = ("provider_type", "group_matching_mode", "sync_users", "password_login_update_internal_password",
           "allow_idp_initiated")  # fmt: skip
# type -> fields kept in `settings` besides COLUMNS (never: tokens, keys, bind or client credentials)
ALLOWED: dict[str, tuple[str, ...]] = {
    "oauth": ("authorization_url", "access_token_url", "profile_url", "request_token_url",
              "oidc_well_known_url", "oidc_jwks_url", "additional_scopes", "pkce",
              "authorization_code_auth_method"),
    "saml": ("issuer", "sso_url", "slo_url", "binding_type", "name_id_policy", "signed_assertion",
             "signed_response", "signature_algorithm", "digest_algorithm", "temporary_user_delete_after"),
    "ldap": ("server_uri", "base_dn", "start_tls", "sni", "sync_groups", "sync_users_password",
             "delete_not_found_objects", "lookup_groups_from_user", "object_uniqueness_field"),
    "plex": ("allow_friends", "allowed_servers"),
    "kerberos": ("realm", "sync_users_password", "spnego_server_name", "kadmin_type"),
    "telegram": ("bot_username", "request_message_access"),
    "scim": (),
}  # fmt: skip
TYPES = tuple(ALLOWED)


def path_of(source_type: str) -> str:
    return f"/sources/{source_type}/"


def parse_detail(payload: Any) -> dict[str, Any]:
    """The payload itself once its pk is a UUID (every other field is optional and kept as sent)."""
    if not isinstance(payload, dict):
        raise PayloadError(f"expected an object, got {type(payload).__name__}")
    try:
        UUID(str(payload.get("pk")))
    except ValueError:
        raise PayloadError(f"pk: not a UUID: {str(payload.get('pk'))[:40]!r}") from None
    return payload


def detail_row(source_type: str, payload: dict[str, Any], _raw: dict[str, Any]) -> dict[str, Any]:
    """The flat row of one source's per-type detail: allow-listed fields only."""
    row: dict[str, Any] = {"source_pk": str(payload["pk"]), "source_type": source_type}
    for name in COLUMNS:
        value, text = payload.get(name), name in ("provider_type", "group_matching_mode")
        row[name] = value if isinstance(value, str if text else bool) else None
    kept = {k: payload[k] for k in ALLOWED[source_type] if k in payload}
    row["settings"] = dump_payload(kept)
    return row
