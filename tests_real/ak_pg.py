"""authentik's own state, read from its Postgres tables (the ground truth the synced DuckDB must match).

Tables are found in the schema the connection uses (current_schema(); authentik's default is
`public`; a 2024.10 database also holds a `template` schema with the same tables, from django-tenants),
and columns are looked up in information_schema, since they differ between releases.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any

import psycopg

CONNECTIONS = "authentik_core_usersourceconnection"
SOURCES = "authentik_core_source"
BINDING_MODELS = "authentik_policies_policybindingmodel"
MAPPING_TABLES = {
    "user": "authentik_core_source_user_property_mappings",
    "group": "authentik_core_source_group_property_mappings",
}


@dataclass(frozen=True)
class TypedTable:
    table: str
    app_label: str
    meta_model_name: str  # "authentik_sources_saml.samlsource"


class Postgres:
    def __init__(self, conninfo: str) -> None:
        self.con = psycopg.connect(conninfo, autocommit=True)
        self._columns: dict[str, list[str]] = {}

    def close(self) -> None:
        self.con.close()

    def rows(self, sql: str, params: tuple[Any, ...] | dict[str, Any] = ()) -> list[tuple[Any, ...]]:
        with self.con.cursor() as cur:
            cur.execute(sql, params)  # type: ignore[arg-type]  # the SQL text is the suite's own
            return cur.fetchall() if cur.description else []

    def value(self, sql: str, params: tuple[Any, ...] = ()) -> Any:
        rows = self.rows(sql, params)
        assert len(rows) == 1, f"expected one row, got {len(rows)}: {sql}"
        return rows[0][0]

    # -- schema ----------------------------------------------------------------------------
    def columns(self, table: str) -> list[str]:
        if table not in self._columns:
            self._columns[table] = [
                name
                for (name,) in self.rows(
                    "SELECT column_name FROM information_schema.columns "
                    "WHERE table_schema = current_schema() AND table_name = %s ORDER BY ordinal_position",
                    (table,),
                )
            ]
        return self._columns[table]

    def has_table(self, table: str) -> bool:
        return bool(self.columns(table))

    def typed_tables(self, ptr_column: str) -> list[TypedTable]:
        """The subclass tables of a base model (Django multi-table inheritance: `<ptr_column>`),
        named through django_content_type (a model's table is `<app_label>_<model>`)."""
        tables = {
            name
            for (name,) in self.rows(
                "SELECT table_name FROM information_schema.columns "
                "WHERE table_schema = current_schema() AND column_name = %s",
                (ptr_column,),
            )
        }
        found = [
            TypedTable(f"{app}_{model}", app, f"{app}.{model}")
            for app, model in self.rows("SELECT app_label, model FROM django_content_type ORDER BY 1, 2")
            if f"{app}_{model}" in tables
        ]
        assert len(found) == len(tables), f"tables without a content type: {tables}"
        return found

    # -- connections -------------------------------------------------------------------------
    def connections(self) -> dict[int, dict[str, Any]]:
        """Every user-source connection: pk -> user_pk, source_pk, created, and where the base
        table has them identifier and last_updated."""
        wanted = ["id", "user_id", "source_id", "created"]
        wanted += [c for c in ("identifier", "last_updated") if c in self.columns(CONNECTIONS)]
        out: dict[int, dict[str, Any]] = {}
        for row in self.rows(f"SELECT {', '.join(wanted)} FROM {CONNECTIONS}"):
            item = dict(zip(wanted, row, strict=True))
            pk = item.pop("id")
            item["user_pk"], item["source_pk"] = item.pop("user_id"), str(item.pop("source_id"))
            out[pk] = item
        return out

    def connection_apps(self) -> dict[int, str | None]:
        """Each connection's type, as the app label of the subclass table holding it (None: base)."""
        apps: dict[int, str | None] = {pk: None for (pk,) in self.rows(f"SELECT id FROM {CONNECTIONS}")}
        for typed in self.typed_tables("usersourceconnection_ptr_id"):
            for (pk,) in self.rows(f"SELECT usersourceconnection_ptr_id FROM {typed.table}"):
                assert apps[pk] is None, f"connection {pk} is in two subclass tables"
                apps[pk] = typed.app_label
        return apps

    def connection_identifier(self, pk: int) -> str:
        """The identifier, from the base table (2025.4+) or the subclass table (before)."""
        if "identifier" in self.columns(CONNECTIONS):
            return str(self.value(f"SELECT identifier FROM {CONNECTIONS} WHERE id = %s", (pk,)))
        for typed in self.typed_tables("usersourceconnection_ptr_id"):
            if "identifier" in self.columns(typed.table):
                rows = self.rows(
                    f"SELECT identifier FROM {typed.table} WHERE usersourceconnection_ptr_id = %s", (pk,)
                )
                if rows:
                    return str(rows[0][0])
        raise AssertionError(f"connection {pk} has no identifier anywhere")

    # -- sources ------------------------------------------------------------------------------
    def sources(self) -> dict[str, dict[str, Any]]:
        """Every source: pk -> the values the API serves from these tables, and its real type."""
        cols = self.columns(SOURCES)
        plain = ["name", "slug", "enabled", "managed", "user_matching_mode", "user_path_template", "icon"]
        plain += [c for c in ("promoted",) if c in cols]
        select = ", ".join(f"s.{c}" for c in plain)
        rows = self.rows(
            f"SELECT s.policybindingmodel_ptr_id, s.authentication_flow_id, s.enrollment_flow_id, "
            f"p.policy_engine_mode, {select} FROM {SOURCES} AS s "
            f"JOIN {BINDING_MODELS} AS p ON p.pbm_uuid = s.policybindingmodel_ptr_id"
        )
        out: dict[str, dict[str, Any]] = {}
        for pk, auth_flow, enroll_flow, engine_mode, *values in rows:
            item = dict(zip(plain, values, strict=True))
            item["authentication_flow"] = None if auth_flow is None else str(auth_flow)
            item["enrollment_flow"] = None if enroll_flow is None else str(enroll_flow)
            item["policy_engine_mode"] = engine_mode
            item["meta_model_name"] = "authentik_core.source"
            out[str(pk)] = item
        for typed in self.typed_tables("source_ptr_id"):
            for (pk,) in self.rows(f"SELECT source_ptr_id FROM {typed.table}"):
                assert out[str(pk)]["meta_model_name"] == "authentik_core.source", f"{pk} has two types"
                out[str(pk)]["meta_model_name"] = typed.meta_model_name
        return out

    def property_mappings(self) -> dict[tuple[str, str], list[str]]:
        """(source pk, 'user' | 'group') -> the property mapping pks, sorted (the m2m has no order)."""
        out: dict[tuple[str, str], list[str]] = defaultdict(list)
        for kind, table in MAPPING_TABLES.items():
            if not self.has_table(table):
                continue
            for source_pk, mapping_pk in self.rows(f"SELECT source_id, propertymapping_id FROM {table}"):
                out[(str(source_pk), kind)].append(str(mapping_pk))
        return {key: sorted(pks) for key, pks in out.items()}

    def saml_sources(self) -> list[tuple[str, str, bool]]:
        """(pk, slug, enabled) of every SAML source, by slug."""
        return [
            (str(pk), slug, enabled)
            for pk, slug, enabled in self.rows(
                f"SELECT s.policybindingmodel_ptr_id, s.slug, s.enabled FROM {SOURCES} AS s "
                "JOIN authentik_sources_saml_samlsource AS t "
                "ON t.source_ptr_id = s.policybindingmodel_ptr_id "
                "ORDER BY s.slug"
            )
        ]

    def insert_saml_connection(
        self,
        user_pk: int,
        source_pk: str,
        identifier: str,
        *,
        pk: int | None = None,
        created: Any = None,
        last_updated: Any = None,
    ) -> int:
        """Write a SAML connection straight into the tables: only for releases whose API cannot
        create one (on 2024.10 `user` and `source` are read-only in every connection serializer, so
        a POST fails on the NOT NULL columns; authentik shows that 500 as a 405). The new row's pk."""
        child = "authentik_sources_saml_usersamlsourceconnection"
        values: dict[str, Any] = {"user_id": user_pk, "source_id": source_pk}
        if pk is not None:
            values["id"] = pk
        if "identifier" in self.columns(CONNECTIONS):
            values["identifier"] = identifier
        with self.con.transaction():
            names = ", ".join(values)
            marks = ", ".join(["%s"] * len(values))
            new_pk = self.value(
                f"INSERT INTO {CONNECTIONS} ({names}, created, last_updated) "
                f"VALUES ({marks}, coalesce(%s, now()), coalesce(%s, now())) RETURNING id",
                (*values.values(), created, last_updated),
            )
            if "identifier" in self.columns(child):
                self.rows(
                    f"INSERT INTO {child} (usersourceconnection_ptr_id, identifier) VALUES (%s, %s)",
                    (new_pk, identifier),
                )
            else:
                self.rows(f"INSERT INTO {child} (usersourceconnection_ptr_id) VALUES (%s)", (new_pk,))
        return int(new_pk)
