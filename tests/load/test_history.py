"""Issue 6: sources_history (SCD2) and the history views record changes across syncs."""

from __future__ import annotations

import duckdb
from conftest import db_rows, run_sync

from authentik_etl.load import db
from authentik_etl.simulator import Dataset


def test_a_matching_mode_change_across_two_syncs_is_recorded_everywhere(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=84, seed=50)
    sim = simulator(dataset)
    first = run_sync(sim, db_path)
    dataset.update_source("etl-github", user_matching_mode="email_link")
    second = run_sync(sim, db_path)
    versions = db_rows(
        db_path,
        "SELECT user_matching_mode, valid_to IS NULL, first_run_id, last_run_id FROM sources_history "
        "WHERE slug = 'etl-github' ORDER BY valid_from",
    )
    assert versions == [
        ("identifier", False, first.run_id, first.run_id),
        ("email_link", True, second.run_id, second.run_id),
    ]
    [(valid_to,)] = db_rows(
        db_path, "SELECT valid_to FROM sources_history WHERE slug = 'etl-github' AND valid_to IS NOT NULL"
    )
    [(valid_from,)] = db_rows(
        db_path, "SELECT valid_from FROM sources_history WHERE slug = 'etl-github' AND valid_to IS NULL"
    )
    assert valid_to == valid_from  # no gap, no overlap
    changes = db_rows(db_path, "SELECT slug, run_id, attribute, before, after FROM source_changes")
    assert changes == [("etl-github", second.run_id, "user_matching_mode", "identifier", "email_link")]
    github = len(
        [
            pk
            for pk in dataset.connection_pks()
            if dataset.connection(pk)["source_obj"]["slug"] == "etl-github"
        ]
    )
    mix = dict(
        ((run, mode), (sources, conns))
        for run, mode, sources, conns in db_rows(
            db_path, "SELECT run_id, user_matching_mode, sources, connections FROM matching_mode_history"
        )
    )
    before_email, after_email = mix[(first.run_id, "email_link")], mix[(second.run_id, "email_link")]
    assert after_email == (before_email[0] + 1, before_email[1] + github)
    assert mix[(second.run_id, "identifier")][0] == mix[(first.run_id, "identifier")][0] - 1


def test_an_unchanged_sync_opens_no_new_version(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=20, seed=51))
    run_sync(sim, db_path)
    third = [run_sync(sim, db_path) for _ in range(2)][-1]
    assert db_rows(db_path, "SELECT count(*), count(DISTINCT source_pk) FROM sources_history") == [(9, 9)]
    assert db_rows(db_path, "SELECT DISTINCT last_run_id FROM sources_history") == [(third.run_id,)]
    assert db_rows(db_path, "SELECT count(*) FROM source_changes") == [(0,)]


def test_enabled_name_and_mapping_changes_open_versions_and_deletion_closes_one(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=40, seed=52)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.update_source("etl-saml", enabled=False, name="SAML (retired)")
    dataset.update_source("etl-ldap", user_property_mappings=[])
    dataset.delete_source("etl-kerberos")
    run_sync(sim, db_path)
    attributes = db_rows(
        db_path, "SELECT slug, attribute, before, after FROM source_changes ORDER BY slug, attribute"
    )
    assert ("etl-saml", "enabled", "true", "false") in attributes
    assert ("etl-saml", "name", "ETL SAML", "SAML (retired)") in attributes
    assert ("etl-kerberos", "deleted", "false", "true") in attributes
    assert any(
        slug == "etl-ldap" and attr == "user_property_mappings" and after == "[]"
        for slug, attr, _, after in attributes
    )
    assert db_rows(
        db_path, "SELECT count(*) FROM sources_history WHERE slug = 'etl-kerberos' AND valid_to IS NULL"
    ) == [(0,)]


def test_connections_by_month_counts_new_connections_per_source(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=60, seed=53)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    rows = db_rows(db_path, "SELECT source_slug, sum(new_connections) FROM connections_by_month GROUP BY 1")
    expected: dict[str, int] = {}
    for pk in dataset.connection_pks():
        slug = dataset.connection(pk)["source_obj"]["slug"]
        expected[slug] = expected.get(slug, 0) + 1
    assert dict(rows) == expected


def test_history_migration_backfills_existing_databases(tmp_path) -> None:
    path = tmp_path / "old.duckdb"
    con = duckdb.connect(str(path))
    con.execute(
        "CREATE TABLE schema_migrations (version VARCHAR PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL)"
    )
    from authentik_etl.load import sqlfiles

    con.execute(sqlfiles.read("migrations/0001_initial.sql"))
    con.execute("INSERT INTO schema_migrations VALUES ('0001_initial', now())")
    con.execute(
        "INSERT INTO sources (pk, name, slug, enabled, user_matching_mode, first_seen_at, last_seen_at) "
        "VALUES ('11111111-1111-1111-1111-111111111111', 'Old', 'old', true, 'identifier', now(), now())"
    )
    assert db.migrate(con)[0] == "0002_sources_history"  # and any later ones
    assert con.execute("SELECT slug, first_run_id, valid_to FROM sources_history").fetchall() == [
        ("old", "before-history", None)
    ]
    assert db.migrate(con) == []  # recorded: never applied twice
