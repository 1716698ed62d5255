"""The nightly job end to end against the simulator on 127.0.0.1 (library entry point)."""

from __future__ import annotations

import duckdb
import pytest
from conftest import SHAPES, db_connections, db_rows, expected_connections, run_sync

from authentik_etl.core.errors import AuthError, DatabaseError, RetriableApiError
from authentik_etl.load import apply, db
from authentik_etl.simulator import Dataset, Faults


@pytest.mark.parametrize("mode", ["retrieve", "list"])
@pytest.mark.parametrize("shape", SHAPES)
def test_sync_of_every_api_shape_equals_the_simulator_data(simulator, db_path, shape: str, mode: str) -> None:
    dataset = Dataset.generate(connections=150, shape=shape, seed=3)
    sim = simulator(dataset)
    result = run_sync(sim, db_path, mode=mode, page_size=40)
    assert result.status == "succeeded"
    assert db_connections(db_path) == expected_connections(dataset)
    sources = db_rows(
        db_path,
        "SELECT pk::VARCHAR, slug, enabled, user_matching_mode, meta_model_name FROM sources ORDER BY slug",
    )
    expected = sorted(
        (s["pk"], s["slug"], s["enabled"], s["user_matching_mode"], s["meta_model_name"])
        for s in dataset.sources()
    )
    assert sorted(sources) == expected
    mappings = db_rows(db_path, "SELECT count(*) FROM source_property_mappings")[0][0]
    assert mappings == sum(
        len(s["user_property_mappings"]) + len(s["group_property_mappings"]) for s in dataset.sources()
    )


def test_second_identical_sync_changes_nothing(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=120, seed=1))
    first = run_sync(sim, db_path)
    before = db_rows(db_path, "SELECT * EXCLUDE (last_seen_at) FROM user_source_connections ORDER BY pk")
    second = run_sync(sim, db_path)
    assert (first.inserted, first.updated, first.deleted) == (120, 0, 0)
    assert (second.inserted, second.updated, second.deleted, second.unchanged) == (0, 0, 0, 120)
    after = db_rows(db_path, "SELECT * EXCLUDE (last_seen_at) FROM user_source_connections ORDER BY pk")
    assert after == before
    runs = db_rows(db_path, "SELECT status, inserted, updated, unchanged FROM sync_runs ORDER BY started_at")
    assert runs == [("succeeded", 120, 0, 0), ("succeeded", 0, 0, 120)]


def test_removed_connection_is_soft_deleted_and_comes_back_when_it_reappears(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=60, seed=2)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    victim = dataset.connection_pks()[10]
    dataset.delete_connection(victim)
    second = run_sync(sim, db_path)
    assert second.deleted == 1
    assert db_rows(
        db_path, "SELECT deleted_at IS NOT NULL FROM user_source_connections WHERE pk = ?", [victim]
    ) == [(True,)]
    assert victim not in [r[0] for r in db_rows(db_path, "SELECT pk FROM connections_flat")]


def test_soft_deleted_connection_comes_back_to_life_when_it_reappears(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=30, seed=2)
    flicker = dataset.connection_pks()[4]
    sim = simulator(dataset, faults=Faults(always={flicker: "404"}))
    run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT count(*) FROM user_source_connections WHERE pk = ?", [flicker]) == [(0,)]
    sim.faults = None
    run_sync(sim, db_path)  # the listing returns it, so it is inserted
    sim.faults = Faults(always={flicker: "404"})
    gone = run_sync(sim, db_path)
    assert gone.deleted == 1
    sim.faults = None
    back = run_sync(sim, db_path)
    assert (back.updated, back.deleted) == (1, 0)
    assert db_rows(db_path, "SELECT deleted_at FROM user_source_connections WHERE pk = ?", [flicker]) == [
        (None,)
    ]


def test_connection_answering_404_mid_run_is_recorded_not_fatal(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=40, seed=4)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    gone = dataset.connection_pks()[5]
    sim.faults = Faults(always={gone: "404"})
    result = run_sync(sim, db_path)
    assert result.status == "succeeded" and result.deleted == 1 and result.failed == 0
    errors = db_rows(
        db_path, "SELECT connection_pk, stage, http_status FROM sync_errors WHERE run_id = ?", [result.run_id]
    )
    assert errors == [(gone, "retrieve", 404)]


@pytest.mark.parametrize("mode", ["retrieve", "list"])
def test_twenty_percent_transient_faults_every_connection_lands_once(simulator, db_path, mode: str) -> None:
    dataset = Dataset.generate(connections=400, seed=5)
    sim = simulator(
        dataset, faults=Faults(rate=0.2, kinds=("429", "503", "reset", "500", "502", "504"), seed=9)
    )
    result = run_sync(sim, db_path, mode=mode, page_size=50, max_attempts=10)
    assert result.status == "succeeded", result.error
    assert result.retries > 0
    assert db_connections(db_path) == expected_connections(dataset)
    assert db_rows(db_path, "SELECT count(*), count(DISTINCT pk) FROM user_source_connections") == [
        (400, 400)
    ]


def test_same_id_failing_every_attempt_makes_a_partial_run(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=30, seed=6)
    bad = dataset.connection_pks()[3]
    sim = simulator(dataset, faults=Faults(always={bad: "503"}))
    result = run_sync(sim, db_path, max_attempts=3)
    assert result.status == "partial" and result.failed == 1 and result.exit_code == 3
    assert db_rows(db_path, "SELECT connection_pk, http_status, attempts FROM sync_errors") == [(bad, 503, 3)]
    assert len(db_connections(db_path)) == 29


def test_unreadable_payload_is_recorded_and_the_rest_applied(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=30, seed=6)
    bad = dataset.connection_pks()[7]
    sim = simulator(dataset, faults=Faults(always={bad: "garbage_payload"}))
    result = run_sync(sim, db_path)
    assert result.failed == 1 and result.status == "partial"
    assert db_rows(db_path, "SELECT connection_pk, stage FROM sync_errors") == [(bad, "validate")]
    assert [r[0] for r in db_connections(db_path)] == [pk for pk in dataset.connection_pks() if pk != bad]


def test_bad_token_aborts_and_leaves_the_database_untouched(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=30, seed=7)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    before = db_rows(db_path, "SELECT * FROM user_source_connections ORDER BY pk")
    sim.token = "rotated"
    with pytest.raises(AuthError, match="refused the token"):
        run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT * FROM user_source_connections ORDER BY pk") == before
    assert db_rows(db_path, "SELECT status FROM sync_runs ORDER BY started_at") == [
        ("succeeded",),
        ("failed",),
    ]


def test_server_down_fails_the_run_and_applies_nothing(db_path) -> None:
    from conftest import TOKEN, fast_policy

    from authentik_etl.core.settings import SyncSettings
    from authentik_etl.job.sync import sync

    settings = SyncSettings(base_url="http://127.0.0.1:9", token=TOKEN, db_path=db_path, max_attempts=2)
    refused = r"connection failed: .*Connection refused; tried 2 times over"
    with pytest.raises(RetriableApiError, match=refused):
        sync(settings, policy=fast_policy(max_attempts=2))
    assert not db_path.exists()  # never reached authentik: no database file where there was none
    db.migrate(duckdb.connect(str(db_path)))
    with pytest.raises(RetriableApiError, match="authentik may be down or restarting"):
        sync(settings, policy=fast_policy(max_attempts=2))
    assert db_rows(db_path, "SELECT count(*) FROM user_source_connections") == [(0,)]
    assert db_rows(db_path, "SELECT status FROM sync_runs") == [("failed",)]  # an existing one records it


def test_explicit_ids_fetch_only_those_and_never_mark_others_deleted(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=50, seed=8)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    pks = dataset.connection_pks()
    dataset.delete_connection(pks[0])
    result = run_sync(sim, db_path, ids=[pks[1], pks[2], 999_999])
    assert (result.discovered, result.fetched, result.deleted) == (3, 2, 0)
    live = db_rows(db_path, "SELECT count(*) FROM user_source_connections WHERE deleted_at IS NULL")
    assert live == [(50,)]  # pks[0] is gone from authentik but was not asked about


def test_sources_keep_their_real_type_and_sources_without_connections(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=40, seed=1))
    run_sync(sim, db_path)
    rows = dict(db_rows(db_path, "SELECT slug, meta_model_name FROM sources"))
    assert rows["etl-ldap"] == "authentik_sources_ldap.ldapsource"
    assert rows["etl-empty-discord"] == "authentik_sources_oauth.oauthsource"
    assert rows["authentik-built-in"] == "authentik_core.source"


def test_source_change_between_runs_is_applied(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=40, seed=1)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.update_source("etl-github", user_matching_mode="email_link", enabled=False)
    run_sync(sim, db_path)
    assert db_rows(db_path, "SELECT user_matching_mode, enabled FROM sources WHERE slug = 'etl-github'") == [
        ("email_link", False)
    ]
    assert "etl-github" not in [r[0] for r in db_rows(db_path, "SELECT slug FROM enabled_sources_report")]


def assert_nothing_applied(db_path, before: list[tuple]) -> None:
    """After a first sync and a failed second one (which had disabled etl-ldap): all as before."""
    assert db_rows(db_path, "SELECT * FROM user_source_connections ORDER BY pk") == before
    assert db_rows(db_path, "SELECT enabled FROM sources WHERE slug = 'etl-ldap'") == [(True,)]
    assert db_rows(db_path, "SELECT status FROM sync_runs ORDER BY started_at") == [
        ("succeeded",),
        ("failed",),
    ]


def test_a_failure_during_apply_rolls_everything_back(simulator, db_path, monkeypatch) -> None:
    dataset = Dataset.generate(connections=40, seed=1)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    before = db_rows(db_path, "SELECT * FROM user_source_connections ORDER BY pk")
    for pk in dataset.connection_pks()[:5]:
        dataset.delete_connection(pk)
    dataset.update_source("etl-ldap", enabled=False)
    real = apply.sqlfiles.listing

    def failing_listing(folder: str):
        items = real(folder)
        if folder == "load":
            items = [*items[:4], ("99_boom.sql", "SELECT * FROM no_such_table")]
        return items

    monkeypatch.setattr(apply.sqlfiles, "listing", failing_listing)
    with pytest.raises(Exception, match="no_such_table"):
        run_sync(sim, db_path)
    assert_nothing_applied(db_path, before)


def test_a_duplicated_connection_pk_fails_the_apply_and_rolls_back(simulator, db_path) -> None:
    """pk is not declared PRIMARY KEY (migration 0003): the apply checks uniqueness itself."""
    dataset = Dataset.generate(connections=30, seed=3)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    con = duckdb.connect(str(db_path))
    con.execute(
        "INSERT INTO user_source_connections SELECT * FROM user_source_connections WHERE pk = "
        "(SELECT min(pk) FROM user_source_connections)"
    )
    con.close()
    before = db_rows(db_path, "SELECT * FROM user_source_connections ORDER BY pk")
    dataset.update_source("etl-ldap", enabled=False)
    with pytest.raises(DatabaseError, match="more than once: nothing was applied"):
        run_sync(sim, db_path)
    assert_nothing_applied(db_path, before)


def test_sources_listing_forbidden_warns_and_uses_the_sources_inside_connections(
    simulator, db_path, caplog
) -> None:
    dataset = Dataset.generate(connections=60, seed=1)
    sim = simulator(dataset, faults=Faults(forbid=("sources",)))
    result = run_sync(sim, db_path)
    assert result.status == "succeeded"
    assert "cannot list sources (authentik denied the token's user: You do not have permission" in caplog.text
    assert "is it expired" not in caplog.text  # the token is valid: only a permission is missing
    slugs = {slug for (slug,) in db_rows(db_path, "SELECT slug FROM sources")}
    with_connections = {dataset.connection(pk)["source_obj"]["slug"] for pk in dataset.connection_pks()}
    assert slugs == with_connections  # no source without connections, no built-in source
    # A later run that may read the listing gets the real types; a forbidden one never erases them.
    sim.faults = None
    run_sync(sim, db_path)
    sim.faults = Faults(forbid=("sources",))
    run_sync(sim, db_path)
    types = dict(db_rows(db_path, "SELECT slug, meta_model_name FROM sources"))
    assert types["etl-ldap"] == "authentik_sources_ldap.ldapsource"
    assert db_rows(db_path, "SELECT count(*) FROM sources WHERE deleted_at IS NOT NULL") == [(0,)]
