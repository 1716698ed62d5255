"""`sync --incremental`: only what changed since the last successful run, never trusting the server's
ordering, with --full-every and the deletion guard; the tables equal what a full sync gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import duckdb
import pytest
from conftest import db_rows, fast_policy, run_sync

from authentik_etl.core.errors import ApiError, MassDeletionRefused
from authentik_etl.simulator import Dataset, Faults

# A connection's own fields and its source's (matching modes included): equal to a full sync's.
OWN = (
    "SELECT c.pk, c.user_pk, c.source_pk, c.identifier, c.created, c.last_updated, c.payload::VARCHAR, "
    "c.deleted_at IS NULL, s.slug, s.user_matching_mode, s.enabled, s.deleted_at IS NULL "
    "FROM user_source_connections c JOIN sources s ON s.pk = c.source_pk ORDER BY c.pk"
)
SOURCES = (
    "SELECT * EXCLUDE (first_seen_at, last_seen_at, deleted_at), deleted_at IS NULL FROM sources ORDER BY pk"
)


def last_run(db_path) -> dict:
    with duckdb.connect(str(db_path), read_only=True) as con:
        cur = con.execute(
            "SELECT run_id, status, kind, watermark, full_reason, fetched, visible_connections, deleted, "
            "users_watermark, incremental_parts "
            "FROM sync_runs ORDER BY started_at DESC LIMIT 1"
        )
        names = [d[0] for d in cur.description]
        return dict(zip(names, cur.fetchone(), strict=True))


def connection_requests(sim) -> int:
    paths = sim.stats["paths"]
    return paths.get("list", 0) + paths.get("retrieve", 0)


def full_reference(simulator, dataset, tmp_path, mode: str = "list"):
    """What a full sync of the same server state stores, in a database of its own."""
    reference = tmp_path / "reference.duckdb"
    run_sync(simulator(dataset), reference, mode=mode)
    return reference


def incremental(sim, db_path, **overrides):
    return run_sync(sim, db_path, incremental=True, **overrides)


@pytest.mark.parametrize("mode", ["list", "retrieve"])
def test_an_incremental_run_reads_only_the_changes_and_equals_a_full_sync(
    simulator, db_path, tmp_path, mode
) -> None:
    dataset = Dataset.generate(connections=2_000, shape="2025.12", seed=90)
    sim = simulator(dataset)
    first = incremental(sim, db_path, mode=mode, page_size=50)
    assert (first.kind, last_run(db_path)["kind"]) == ("full", "full")
    assert "no watermark yet" in last_run(db_path)["full_reason"]
    changed = dataset.connection_pks()[::100]  # 1%
    dataset.touch_connections(changed)
    added = dataset.add_connection(user=dataset.max_user() + 1, source_slug="etl-ldap")
    dataset.touch_connections([added])
    before = connection_requests(sim)
    # (no margin: the generated connections were all made within 74 s, inside the default 5 min)
    second = incremental(sim, db_path, mode=mode, page_size=50, safety_margin=0.0)
    sent = connection_requests(sim) - before
    run = last_run(db_path)
    assert (second.kind, run["kind"], run["full_reason"], run["status"]) == ("incremental",) * 2 + (
        None,
        "succeeded",
    )
    assert second.inserted == 1 and second.updated == len(changed)
    assert run["visible_connections"] == 2_001 and second.deleted == 0
    # 21 changed rows and the newest unchanged one: one page of 50; one retrieve each in retrieve mode
    assert sent == (1 if mode == "list" else 1 + 22), sent
    stamps = [dataset.connection(pk)["last_updated"] for pk in dataset.connection_pks()]
    assert run["watermark"] == max(datetime.fromisoformat(t.replace("Z", "+00:00")) for t in stamps)
    reference = full_reference(simulator, dataset, tmp_path, mode)
    assert db_rows(db_path, OWN) == db_rows(reference, OWN)
    assert db_rows(db_path, SOURCES) == db_rows(reference, SOURCES)


def test_an_unchanged_rerun_reads_one_page_and_changes_nothing(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=500, shape="2025.12", seed=91))
    run_sync(sim, db_path, mode="list")
    history = db_rows(db_path, "SELECT count(*) FROM connections_history")
    result = incremental(sim, db_path, mode="list")
    assert result.kind == "incremental" and result.inserted == result.updated == result.deleted == 0
    assert db_rows(db_path, "SELECT count(*) FROM connections_history") == history
    assert last_run(db_path)["watermark"] is not None


def test_equal_timestamps_across_page_boundaries_are_all_read(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=600, shape="2025.12", seed=92)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    same = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    tied = dataset.connection_pks()[5:140:3]  # 45 rows with one last_updated, over 5 pages of 10
    dataset.touch_connections(tied, at=same)
    result = incremental(sim, db_path, mode="list", page_size=10)
    assert result.updated == len(tied)
    assert db_rows(db_path, OWN) == db_rows(full_reference(simulator, dataset, tmp_path), OWN)


@pytest.mark.parametrize("ahead", [False, True])
def test_the_watermark_is_the_servers_clock_never_ours(simulator, db_path, ahead) -> None:
    """A server whose clock is days behind ours (its data is of 2026-11-29), or a year ahead."""
    dataset = Dataset.generate(connections=300, shape="2025.12", seed=93)
    sim = simulator(dataset)
    server_now = datetime.now(UTC) + timedelta(days=400) if ahead else datetime(2026, 11, 29, 18, tzinfo=UTC)
    assert ahead or server_now < datetime.now(UTC) - timedelta(days=1)
    dataset.touch_connections([1, 2], at=server_now)
    run_sync(sim, db_path)
    assert last_run(db_path)["watermark"] == server_now
    dataset.touch_connections([3], at=server_now + timedelta(seconds=1))
    result = incremental(sim, db_path, mode="list")
    assert result.kind == "incremental" and result.updated == 1
    assert last_run(db_path)["watermark"] == server_now + timedelta(seconds=1)


def test_a_late_commit_within_the_safety_margin_is_read(simulator, db_path) -> None:
    """A row saved before the watermark but committed after the last run read the list."""
    dataset = Dataset.generate(connections=300, shape="2025.12", seed=94)
    sim = simulator(dataset)
    dataset.touch_connections([1])
    run_sync(sim, db_path)
    watermark = last_run(db_path)["watermark"]
    dataset.touch_connections([2], at=watermark - timedelta(minutes=4))
    dataset.touch_connections([3], at=watermark - timedelta(minutes=6))
    incremental(sim, db_path, mode="list")
    identifiers = dict(
        db_rows(db_path, "SELECT pk, identifier FROM user_source_connections WHERE pk IN (2, 3)")
    )
    assert identifiers[2].endswith("-r1")  # within the default 5 min margin
    assert not identifiers[3].endswith("-r1")  # older than the margin: the next full run reads it
    incremental(sim, db_path, mode="list", safety_margin=600.0)
    assert db_rows(db_path, "SELECT identifier FROM user_source_connections WHERE pk = 3")[0][0].endswith(
        "-r1"
    )


def test_a_row_updated_while_paging_is_read_now_or_next_time(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=400, shape="2025.12", seed=95)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.touch_connections(dataset.connection_pks()[:60])
    late = dataset.connection_pks()[300]

    def on_page(number: int) -> None:
        if number == 3:
            dataset.touch_connections([late])

    sim.faults = Faults(on_list_page=on_page)
    incremental(sim, db_path, mode="list", page_size=10, concurrency=1)
    sim.faults = Faults()
    incremental(sim, db_path, mode="list", page_size=10)
    assert db_rows(db_path, OWN) == db_rows(full_reference(simulator, dataset, tmp_path), OWN)


def test_a_deletion_while_paging_walks_again_and_skips_nothing(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=400, shape="2025.12", seed=96)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    touched = dataset.connection_pks()[:80]
    dataset.touch_connections(touched)
    deleted = []

    def on_page(number: int) -> None:
        if number == 3 and not deleted:
            deleted.append(touched[0])
            dataset.delete_connection(touched[0])  # every later row moves one place forward

    sim.faults = Faults(on_list_page=on_page)
    result = incremental(sim, db_path, mode="list", page_size=10, concurrency=1)
    assert result.updated == len(touched) - 1
    stored = dict(db_rows(db_path, "SELECT pk, identifier FROM user_source_connections"))
    assert all(stored[pk].endswith("-r1") for pk in touched[1:])


@pytest.mark.parametrize("shape", ["2024.10", "2024.12"])
def test_a_shape_without_last_updated_falls_back_to_a_full_sync(
    simulator, db_path, tmp_path, shape, caplog
) -> None:
    dataset = Dataset.generate(connections=300, shape=shape, seed=97)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.delete_connection(dataset.connection_pks()[7])
    with caplog.at_level("INFO"):
        result = incremental(sim, db_path, mode="list")
    assert result.kind == "full" and result.deleted == 1
    assert "full sync instead of incremental" in caplog.text and "no last_updated" in caplog.text
    assert last_run(db_path)["kind"] == "full" and "no last_updated" in last_run(db_path)["full_reason"]


def test_a_server_that_ignores_the_ordering_falls_back_to_a_full_sync(simulator, db_path, caplog) -> None:
    dataset = Dataset.generate(connections=300, shape="2025.12", seed=98)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.touch_connections([50])
    dataset.updates.ignore_ordering = True  # as 2025.12.4 does with a field it does not know
    with caplog.at_level("INFO"):
        result = incremental(sim, db_path, mode="list")
    run = last_run(db_path)
    assert (result.kind, run["kind"]) == ("full", "full") and "did not honour ordering" in run["full_reason"]
    assert result.fetched == 300 and result.updated == 1
    assert caplog.text.count("full sync instead of incremental") == 1


def test_full_every_makes_the_right_runs_full(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=300, shape="2025.12", seed=99)
    sim = simulator(dataset)
    kinds = [incremental(sim, db_path).kind for _ in range(3)]
    assert kinds == ["full", "incremental", "incremental"]
    assert incremental(sim, db_path, full_every=0.0).kind == "full"
    assert "--full-every 0s" in last_run(db_path)["full_reason"]
    with duckdb.connect(str(db_path)) as con:  # the last full run was 8 days ago
        con.execute("UPDATE sync_runs SET started_at = started_at - INTERVAL 8 DAY WHERE kind = 'full'")
    assert incremental(sim, db_path).kind == "full"
    assert "--full-every 7d" in last_run(db_path)["full_reason"]
    assert incremental(sim, db_path).kind == "incremental"
    assert run_sync(sim, db_path).kind == "full"  # without --incremental: always full
    assert last_run(db_path)["full_reason"] is None


def test_deletions_wait_for_the_next_full_run(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=300, shape="2025.12", seed=100)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    gone = dataset.connection_pks()[10]
    dataset.delete_connection(gone)
    result = incremental(sim, db_path, mode="list")
    assert result.kind == "incremental" and result.deleted == 0
    assert db_rows(
        db_path, "SELECT deleted_at IS NULL FROM user_source_connections WHERE pk = ?", [gone]
    ) == [(True,)]
    result = incremental(sim, db_path, mode="list", full_every=0.0)
    assert result.kind == "full" and result.deleted == 1
    assert db_rows(
        db_path, "SELECT deleted_at IS NULL FROM user_source_connections WHERE pk = ?", [gone]
    ) == [(False,)]


def test_a_changed_source_has_its_connections_listed_again(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=800, shape="2025.12", seed=101)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.update_source("etl-github", name="GitHub (renamed)", user_matching_mode="email_link")
    result = incremental(sim, db_path, mode="retrieve", safety_margin=0.0)
    github = db_rows(db_path, "SELECT count(*) FROM user_source_connections c JOIN sources s "
                              "ON s.pk = c.source_pk WHERE s.slug = 'etl-github'")[0][0]  # fmt: skip
    assert result.kind == "incremental" and result.updated == github > 0
    assert db_rows(db_path, OWN) == db_rows(full_reference(simulator, dataset, tmp_path, "retrieve"), OWN)
    assert sim.stats["paths"]["retrieve"] == 800 + 1 + github  # the full run, the newest row, the source's


def test_the_watermark_moves_only_when_a_run_succeeds(simulator, db_path, tmp_path) -> None:
    dataset = Dataset.generate(connections=300, shape="2025.12", seed=102)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    watermark = last_run(db_path)["watermark"]
    dataset.touch_connections([4])
    sim.faults = Faults(rate=1.0, kinds=("500",), apply_to=("list",))
    with pytest.raises(ApiError):
        incremental(sim, db_path, mode="list", policy=fast_policy(), max_attempts=2)
    assert last_run(db_path)["status"] == "failed"
    sim.faults = Faults()
    dataset.touch_connections([5])
    result = incremental(sim, db_path, mode="list")
    assert result.kind == "incremental" and result.updated == 2  # the failed run's change too
    assert last_run(db_path)["watermark"] > watermark


def test_a_token_that_sees_fewer_is_caught_by_an_incremental_run(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=300, shape="2025.12", seed=103)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    for pk in dataset.connection_pks()[:60]:  # 20% fewer visible: a permission lost, until shown otherwise
        dataset.delete_connection(pk)
    with pytest.raises(MassDeletionRefused, match="would delete more connections"):
        incremental(sim, db_path, mode="list")
    run = last_run(db_path)
    assert run["status"] == "failed" and run["kind"] == "incremental" and run["visible_connections"] == 240
    assert db_rows(db_path, "SELECT count(*) FROM user_source_connections WHERE deleted_at IS NULL") == [
        (300,)
    ]


USERS = ("SELECT pk, username, name, email, is_active, is_superuser, type, group_pks, deleted_at IS NULL "
         "FROM users ORDER BY pk")  # fmt: skip


def test_users_are_read_incrementally_and_membership_comes_from_the_groups(
    simulator, db_path, tmp_path
) -> None:
    dataset = Dataset.generate(connections=300, shape="2025.12", seed=104)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.directory.touch([30, 31, 32])
    promoted = 40  # added to "authentik Admins": authentik leaves the user's last_updated as it was
    assert not db_rows(db_path, "SELECT is_superuser FROM users WHERE pk = ?", [promoted])[0][0]
    dataset.directory.promoted.add(promoted)
    # (no margin: the simulated users were all made within 4 minutes, inside the default 5)
    result = incremental(sim, db_path, mode="list", safety_margin=0.0)
    assert result.kind == "incremental" and result.incremental_parts == ["users"]
    assert "users" not in result.complete_parts and result.parts_listed["users"] == 3
    run = last_run(db_path)
    assert run["users_watermark"] is not None
    assert db_rows(db_path, "SELECT name FROM users WHERE pk = 30") == [("User 30 (r1)",)]
    assert db_rows(db_path, USERS) == db_rows(full_reference(simulator, dataset, tmp_path), USERS)
    events = ("SELECT user_pk FROM security_finding_events e JOIN security_findings_history h "
              "USING (finding_id) WHERE e.run_id = ? AND e.event = 'new'")  # fmt: skip
    new = db_rows(db_path, events, [result.run_id])
    assert (promoted,) in new  # a superuser now: the findings saw it through the groups


def test_an_unchanged_incremental_run_reads_no_user(simulator, db_path) -> None:
    sim = simulator(Dataset.generate(connections=300, shape="2025.12", seed=105))
    run_sync(sim, db_path)
    users = db_rows(db_path, USERS)
    result = incremental(sim, db_path, mode="list", safety_margin=0.0)
    assert result.parts_listed["users"] == 0 and result.incremental_parts == ["users"]
    assert db_rows(db_path, USERS) == users
    assert result.findings_new == {} or sum(result.findings_new.values()) == 0


def test_users_deleted_in_authentik_wait_for_the_next_full_run(simulator, db_path) -> None:
    dataset = Dataset.generate(connections=300, shape="2025.12", seed=106)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.directory.removed.add(50)
    incremental(sim, db_path, mode="list")
    assert db_rows(db_path, "SELECT deleted_at IS NULL FROM users WHERE pk = 50") == [(True,)]
    incremental(sim, db_path, mode="list", full_every=0.0)
    assert db_rows(db_path, "SELECT deleted_at IS NULL FROM users WHERE pk = 50") == [(False,)]


@pytest.mark.parametrize("shape", ["2025.4", "2024.10"])
def test_users_without_last_updated_are_read_in_full(simulator, db_path, shape) -> None:
    dataset = Dataset.generate(connections=300, shape=shape, seed=107)
    sim = simulator(dataset)
    run_sync(sim, db_path)
    dataset.directory.removed.add(50)
    result = incremental(sim, db_path, mode="list")
    assert result.incremental_parts == [] and "users" in result.complete_parts
    assert db_rows(db_path, "SELECT deleted_at IS NULL FROM users WHERE pk = 50") == [(False,)]
