"""connections_history (SCD2 of every connection), connection_changes and connections_as_of."""

from __future__ import annotations

import duckdb
from conftest import db_rows, run_sync

from authentik_etl.load import db
from authentik_etl.simulator import Dataset


def versions(db_path, pk: int) -> list[tuple]:
    sql = ("SELECT deleted, valid_to IS NULL, valid_from_run, valid_to_run FROM connections_history "
           "WHERE connection_pk = ? ORDER BY valid_from")  # fmt: skip
    return db_rows(db_path, sql, [pk])


def as_of(db_path, at) -> set[int]:
    return {pk for (pk,) in db_rows(db_path, "SELECT pk FROM connections_as_of(?)", [at])}


def test_every_connection_gets_one_version_and_an_unchanged_rerun_adds_none(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=120, seed=70))
    first = run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT count(*), count(DISTINCT connection_pk) FROM connections_history") == [
        (120, 120)
    ]
    run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT count(*) FROM connections_history") == [(120,)]
    assert versions(db_path, 1) == [(False, True, first.run_id, None)]


def test_a_deleted_connection_closes_its_version_and_is_gone_as_of_later(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=60, seed=71)
    sim = simulator(dataset)
    first = run_sync(sim, db_path)
    [(between,)] = db_rows(db_path, "SELECT finished_at FROM sync_runs")
    dataset.delete_connection(5)
    new_pk = dataset.add_connection(user=3, source_slug="etl-ldap")
    second = run_sync(sim, db_path, mode="list")
    assert versions(db_path, 5) == [
        (False, False, first.run_id, second.run_id),
        (True, True, second.run_id, None),
    ]
    [(after,)] = db_rows(db_path, "SELECT max(finished_at) FROM sync_runs")
    assert 5 in as_of(db_path, between) and 5 not in as_of(db_path, after)
    assert new_pk in as_of(db_path, after) and new_pk not in as_of(db_path, between)
    assert as_of(db_path, after) == {pk for (pk,) in db_rows(
        db_path, "SELECT pk FROM user_source_connections WHERE deleted_at IS NULL")}  # fmt: skip
    changes = db_rows(db_path, "SELECT source_slug, added, removed, changed FROM connection_changes "
                               "WHERE run_id = ? ORDER BY source_slug", [second.run_id])  # fmt: skip
    source_of_5 = db_rows(db_path, "SELECT s.slug FROM user_source_connections c JOIN sources s "
                                   "ON s.pk = c.source_pk WHERE c.pk = 5")[0][0]  # fmt: skip
    expected = {("etl-ldap", 1, 0, 0), (source_of_5, 0, 1, 0)}
    if source_of_5 == "etl-ldap":
        expected = {("etl-ldap", 1, 1, 0)}
    assert set(changes) == expected


def test_a_renamed_source_is_no_new_version_of_its_connections(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=80, seed=72)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.update_source("etl-github", name="GitHub (renamed)", user_matching_mode="email_link")
    result = run_sync(sim, db_path)
    assert result.updated > 0  # the embedded source changed every GitHub connection's payload
    assert db_rows(db_path, "SELECT count(*) FROM connections_history") == [(80,)]


def test_a_revived_connection_is_added_again(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=40, seed=73)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    with duckdb.connect(str(db_path)) as con:  # as if an earlier run had seen it deleted
        con.execute("UPDATE user_source_connections SET deleted_at = now() WHERE pk = 7")
        con.execute(
            "UPDATE connections_history SET valid_to = now(), valid_to_run = 'x' WHERE connection_pk = 7"
        )
        con.execute(
            "INSERT INTO connections_history SELECT connection_pk, now(), NULL, 'x', NULL, true, user_pk, "
            "source_pk, identifier, created, last_updated, version_hash FROM connections_history "
            "WHERE connection_pk = 7"
        )
    again = run_sync(sim, db_path)
    assert [v[0] for v in versions(db_path, 7)] == [False, True, False]
    added = db_rows(db_path, "SELECT sum(added) FROM connection_changes WHERE run_id = ?", [again.run_id])
    assert added == [(1,)]


def test_the_migration_turns_stored_connections_into_first_versions(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    con = db.connect(path)
    try:
        con.execute(
            "CREATE TABLE schema_migrations (version VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
        )
        from authentik_etl.load import sqlfiles

        for name, text in sqlfiles.listing("migrations"):
            if name.startswith("0008"):
                break
            con.execute(text)
            con.execute("INSERT INTO schema_migrations VALUES (?, now())", [name.removesuffix(".sql")])
        con.execute(
            "INSERT INTO user_source_connections VALUES "
            "(1, 10, '00000000-0000-0000-0000-00000000000a', 'a', NULL, NULL, now(), now(), NULL, "
            '\'{"pk":1,"user":10,"source":"00000000-0000-0000-0000-00000000000a"}\'),'
            "(2, 11, '00000000-0000-0000-0000-00000000000a', 'b', NULL, NULL, now(), now(), now(), "
            "'{\"pk\":2}')"
        )
        assert db.migrate(con)[0] == "0008_connections_history"
        rows = con.execute(
            "SELECT connection_pk, deleted, valid_to IS NULL FROM connections_history ORDER BY ALL"
        ).fetchall()
    finally:
        con.close()
    assert rows == [(1, False, True), (2, False, False), (2, True, True)]
