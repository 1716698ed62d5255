"""The per-type source listings (/sources/oauth/, /sources/saml/, ...) and group-source connections.

A per-type object is the source as /sources/all/ renders its real type, plus the type's own fields
(OpenAPI schemas 2024.10-2026.5; real 2025.12.4 captures in tests/fixtures/samples/), secrets
included as real servers send them (`plex_token` in clear), so tests can show none is stored.
"""

from __future__ import annotations

import copy
from typing import TYPE_CHECKING, Any

from .catalog import SourceRecord, render_source
from .render import dumps

if TYPE_CHECKING:
    from .data import Dataset

# slug -> the per-type fields the findings read (the rest are TYPE_FIELDS' defaults)
DETAILS: dict[str, dict[str, Any]] = {
    "etl-github": {"provider_type": "github"},
    "etl-oidc": {"provider_type": "openidconnect"},
    "etl-saml": {"group_matching_mode": "name_link", "allow_idp_initiated": True},
    "etl-ldap": {"sync_users": True, "password_login_update_internal_password": False},
    "etl-kerberos": {"sync_users": False, "password_login_update_internal_password": True},
    "etl-empty-discord": {"provider_type": "discord"},
    "etl-okta": {"provider_type": "openidconnect"},
}
_SECRET = "sim-secret-0123456789abcdef"  # never to be stored (tests look for it)
TYPE_FIELDS: dict[str, dict[str, Any]] = {
    "oauth": {"group_matching_mode": "identifier", "provider_type": "openidconnect",
              "request_token_url": None, "authorization_url": "https://idp.example.com/authorize",
              "access_token_url": "https://idp.example.com/token", "profile_url": "https://idp.example.com/userinfo",
              "pkce": "S256", "consumer_key": f"client-{_SECRET}", "callback_url": "/source/oauth/cb/x/",
              "additional_scopes": "", "oidc_well_known_url": "", "oidc_jwks_url": "",
              "oidc_jwks": {"keys": [{"kid": _SECRET}]}, "authorization_code_auth_method": "basic_auth"},
    "saml": {"group_matching_mode": "identifier", "pre_authentication_flow": None, "issuer": "authentik",
             "sso_url": "https://idp.example.com/sso", "slo_url": None, "allow_idp_initiated": False,
             "name_id_policy": "urn:oasis:names:tc:SAML:2.0:nameid-format:persistent",
             "binding_type": "redirect",
             "verification_kp": None, "signing_kp": None, "encryption_kp": None, "digest_algorithm":
             "http://www.w3.org/2001/04/xmlenc#sha256", "signature_algorithm":
             "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256", "temporary_user_delete_after": "days=1",
             "signed_assertion": True, "signed_response": False},
    "ldap": {"server_uri": "ldaps://ldap.example.com", "peer_certificate": None, "client_certificate": None,
             "bind_cn": "cn=etl,dc=example,dc=com", "start_tls": False, "sni": False, "base_dn":
             "dc=example,dc=com", "additional_user_dn": "ou=users", "additional_group_dn": "ou=groups",
             "user_object_filter": "(objectClass=person)", "group_object_filter": "(objectClass=group)",
             "group_membership_field": "member", "user_membership_attribute": "distinguishedName",
             "object_uniqueness_field": "objectSid", "password_login_update_internal_password": False,
             "sync_users": True, "sync_users_password": True, "sync_groups": True, "sync_parent_group": None,
             "connectivity": None, "lookup_groups_from_user": False, "delete_not_found_objects": False,
             "sync_outgoing_trigger_mode": "deferred_end"},
    "plex": {"group_matching_mode": "identifier", "client_id": "etl-plex-client", "allowed_servers": [],
             "allow_friends": True, "plex_token": f"plex-{_SECRET}"},
    "kerberos": {"group_matching_mode": "identifier", "realm": "EXAMPLE.COM", "krb5_conf": "",
                 "kadmin_type": "MIT", "sync_users": False, "sync_users_password": False,
                 "sync_principal": "etl/admin", "sync_ccache": "", "connectivity": None,
                 "spnego_server_name": "", "spnego_ccache": "",
                 "password_login_update_internal_password": False,
                 "sync_outgoing_trigger_mode": "deferred_end"},
    "telegram": {"pre_authentication_flow": "c2d1a3e1-5a77-4a39-9a7e-2a5b2b7f2f01",
                 "bot_username": "etl_bot", "request_message_access": False},
}  # fmt: skip
TYPES = ("oauth", "saml", "ldap", "plex", "kerberos", "telegram", "scim")


def _keys(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# The type's own fields, in the order the real servers send them, after the /sources/all/ fields:
# 2024.10.5's order before 2025.12, 2025.12.4's from then on (tests/fixtures/samples/*/sources_<type>.http).
ORDER: dict[bool, dict[str, tuple[str, ...]]] = {
    False: {
        "oauth": _keys("""
            group_matching_mode provider_type request_token_url authorization_url access_token_url
            profile_url consumer_key callback_url additional_scopes type oidc_well_known_url
            oidc_jwks_url oidc_jwks
        """),
        "saml": _keys("""
            group_matching_mode pre_authentication_flow issuer sso_url slo_url allow_idp_initiated
            name_id_policy binding_type verification_kp signing_kp digest_algorithm
            signature_algorithm temporary_user_delete_after encryption_kp
        """),
        "ldap": _keys("""
            server_uri peer_certificate client_certificate bind_cn start_tls sni base_dn
            additional_user_dn additional_group_dn user_object_filter group_object_filter
            group_membership_field object_uniqueness_field password_login_update_internal_password
            sync_users sync_users_password sync_groups sync_parent_group connectivity
        """),
        "plex": _keys("""
            group_matching_mode client_id allowed_servers allow_friends plex_token
        """),
        "kerberos": _keys("""
            group_matching_mode realm krb5_conf sync_users sync_users_password sync_principal
            sync_ccache connectivity spnego_server_name spnego_ccache
            password_login_update_internal_password
        """),
        "telegram": _keys("""
            bot_username request_message_access pre_authentication_flow
        """),
        "scim": (),
    },
    True: {
        "oauth": _keys("""
            group_matching_mode provider_type request_token_url authorization_url access_token_url
            profile_url pkce consumer_key callback_url additional_scopes type oidc_well_known_url
            oidc_jwks_url oidc_jwks authorization_code_auth_method
        """),
        "saml": _keys("""
            group_matching_mode pre_authentication_flow issuer sso_url slo_url allow_idp_initiated
            name_id_policy binding_type verification_kp signing_kp digest_algorithm
            signature_algorithm temporary_user_delete_after encryption_kp signed_assertion
            signed_response
        """),
        "ldap": _keys("""
            server_uri peer_certificate client_certificate bind_cn start_tls sni base_dn
            additional_user_dn additional_group_dn user_object_filter group_object_filter
            group_membership_field user_membership_attribute object_uniqueness_field
            password_login_update_internal_password sync_users sync_users_password sync_groups
            sync_parent_group connectivity lookup_groups_from_user delete_not_found_objects
            sync_outgoing_trigger_mode
        """),
        "plex": _keys("""
            group_matching_mode client_id allowed_servers allow_friends plex_token
        """),
        "kerberos": _keys("""
            group_matching_mode realm krb5_conf kadmin_type sync_users sync_users_password
            sync_principal sync_ccache connectivity spnego_server_name spnego_ccache
            password_login_update_internal_password sync_outgoing_trigger_mode
        """),
        "telegram": _keys("""
            bot_username request_message_access pre_authentication_flow
        """),
        "scim": (),
    },
}
# (pk, group name, source slug, identifier): group connections from 2025.4 on
GROUP_CONNECTIONS = ((1, "engineering", "etl-ldap", "cn=engineering,ou=groups,dc=example,dc=com"),
                     (2, "authentik Admins", "etl-saml", "idp-admins"))  # fmt: skip
GC_CREATED = "2025-11-30T09:00:00.000000Z"


def detail_of(rec: SourceRecord) -> dict[str, Any]:
    """The per-type fields of one source: its type's defaults, then its own."""
    out = copy.deepcopy(TYPE_FIELDS.get(rec.kind, {}))
    out.update(copy.deepcopy(DETAILS.get(rec.slug, {})))
    out.update(rec.fields.get("detail") or {})
    return out


def render_detail(base: dict[str, Any], rec: SourceRecord, source_v2: bool) -> dict[str, Any]:
    """A per-type list item: the real-type rendering from /sources/all/, then the type's fields."""
    fields = detail_of(rec)
    out = dict(base)
    out.update((key, fields.get(key)) for key in ORDER[source_v2][rec.kind])
    if rec.kind == "oauth":
        name = out["provider_type"]
        out["type"] = {"name": name, "verbose_name": name.title(), "urls_customizable": True,
                       "request_token_url": None, "authorization_url": None, "access_token_url": None,
                       "profile_url": None, "oidc_well_known_url": None, "oidc_jwks_url": None}  # fmt: skip
    return out


def group_connection(pk: int, group_pk: str, source: dict[str, Any], identifier: str) -> dict[str, Any]:
    """A GroupSourceConnection as /sources/group_connections/all/ serves it (2025.4 on). The OpenAPI
    schema requires `source_obj`, but the real 2025.12.4 sends none (group_connections_one.http)."""
    return {"pk": pk, "group": group_pk, "source": source["pk"], "identifier": identifier,
            "created": GC_CREATED, "last_updated": GC_CREATED}  # fmt: skip


def detail_jsons(ds: Dataset, kind: str) -> list[str]:
    """/sources/<kind>/ results as JSON texts, in /sources/all/'s order."""
    with ds.lock:
        v2 = ds.features.source_v2
        recs = [r for r in ds.records() if r.kind == kind]
        return [dumps(render_detail(render_source(r, v2, True), r, v2)) for r in recs]


def group_connection_jsons(ds: Dataset) -> list[str]:
    """/sources/group_connections/all/ results (those whose source still exists), in pk order."""
    with ds.lock:
        by_slug = {r.slug: r for r in ds.records()}
        out = []
        for pk, group, slug, identifier in GROUP_CONNECTIONS:
            if slug in by_slug:
                source = render_source(by_slug[slug], ds.features.source_v2, False)
                out.append(dumps(group_connection(pk, ds.directory.group_pks[group], source, identifier)))
        return out
