"""Schema migrations: ordered, recorded, and keeping every row of a database made before them."""

from __future__ import annotations

import duckdb

from authentik_etl.load import db, sqlfiles

CONNECTION = (
    "INSERT INTO user_source_connections VALUES "
    "(?, 7, '11111111-1111-1111-1111-111111111111', 'id-' || ?, now(), NULL, now(), now(), NULL, ?)"
)


def old_database(path, versions: list[str]) -> duckdb.DuckDBPyConnection:
    """A database as an older release left it: only `versions` applied."""
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
    )
    for version in versions:
        con.execute(sqlfiles.read(f"migrations/{version}.sql"))
        con.execute("INSERT INTO schema_migrations VALUES (?, now())", [version])
    return con


def test_every_migration_applies_in_order_once(tmp_path) -> None:
    con = duckdb.connect(str(tmp_path / "new.duckdb"))
    names = [name.removesuffix(".sql") for name, _ in sqlfiles.listing("migrations")]
    assert names == sorted(names) and len(names) >= 3
    assert db.migrate(con) == names
    assert db.migrate(con) == []


def test_connections_storage_migration_keeps_every_row_and_drops_only_the_index(tmp_path) -> None:
    con = old_database(tmp_path / "old.duckdb", ["0001_initial", "0002_sources_history"])
    payloads = [f'{{"pk": {pk}, "user": 7, "extra": "{"x" * pk}"}}' for pk in range(1, 301)]
    for pk, payload in enumerate(payloads, start=1):
        con.execute(CONNECTION, [pk, str(pk), payload])
    con.execute("UPDATE user_source_connections SET deleted_at = now() WHERE pk % 7 = 0")
    before = con.execute("SELECT * FROM user_source_connections ORDER BY pk").fetchall()
    columns_before = con.execute("DESCRIBE user_source_connections").fetchall()

    assert db.migrate(con)[0] == "0003_connections_storage"  # and any later ones

    assert con.execute("SELECT * FROM user_source_connections ORDER BY pk").fetchall() == before
    assert con.execute("DESCRIBE user_source_connections").fetchall() == [
        (name, typ, null, None if key == "PRI" else key, default, extra)
        for name, typ, null, key, default, extra in columns_before
    ]
    sql = con.execute(
        "SELECT sql FROM duckdb_tables() WHERE table_name = 'user_source_connections'"
    ).fetchone()
    assert "USING COMPRESSION ZSTD" in sql[0].upper() and "PRIMARY KEY" not in sql[0].upper()
    con.execute("CHECKPOINT")
    compressions = con.execute(
        "SELECT DISTINCT compression FROM pragma_storage_info('user_source_connections') "
        "WHERE column_name = 'payload' AND segment_type <> 'VALIDITY'"
    ).fetchall()
    assert compressions == [("ZSTD",)]


def test_the_incremental_migration_gives_older_runs_a_kind_and_no_watermark(tmp_path) -> None:
    before = [name.removesuffix(".sql") for name, _ in sqlfiles.listing("migrations") if name < "0009"]
    con = old_database(tmp_path / "old.duckdb", before)
    insert = ("INSERT INTO sync_runs (run_id, started_at, status, base_url, mode, visible_connections) "
              "VALUES (?, now(), ?, 'https://a', 'list', ?)")  # fmt: skip
    for values in [("full", "succeeded", 84), ("ids", "succeeded", None), ("x", "failed", None)]:
        con.execute(insert, list(values))
    assert db.migrate(con) == ["0009_incremental_runs"]
    rows = con.execute("SELECT run_id, kind, watermark, full_reason FROM sync_runs ORDER BY 1").fetchall()
    assert rows == [("full", "full", None, None), ("ids", "ids", None, None), ("x", "full", None, None)]
