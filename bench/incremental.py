"""`make bench-incremental`: an incremental night against a full one, 1% of the connections changed.

    python bench/incremental.py [--connections 1000000] [--changed 0.01] [--repeat 3]

The simulator (2025.12 shape) runs in this process, the syncs each in a fresh process
(bench/run_sync.py, `--mode list --no-directory`: users and groups are read in full by both kinds,
so they are left out of both). Setup: one full sync, then 1% changed and one incremental sync, so the
watermark stands where a nightly schedule leaves it. Then, --repeat times: a simulated night passes,
`--changed` of the connections change (new last_updated and identifier, as authentik changes them),
and from two copies of the same database a full and an incremental sync run one after the other.
Prints the medians (wall time, connection requests sent, peak RSS) and their ratios, and checks
after each repeat that both databases hold the same connections and sources, column by column on
their own fields. Targets: at least 20x fewer connection requests and 10x less time. Never a test.
"""

from __future__ import annotations

import argparse
import os
import random
import resource
import secrets
import shutil
import statistics
import sys
import tempfile
from pathlib import Path

import duckdb

from authentik_etl.simulator import Dataset, Simulator
from bench import BENCH, LOG_COPY, run_worker

NIGHT_US = 86_400 * 10**6
# The connections' and sources' own fields (bookkeeping such as last_seen_at left out)
CONNECTIONS = (
    "SELECT pk, user_pk, source_pk, identifier, created, last_updated, payload::VARCHAR, deleted_at IS NULL "
    "FROM user_source_connections"
)
SOURCES = "SELECT * EXCLUDE (first_seen_at, last_seen_at, deleted_at), deleted_at IS NULL FROM sources"


class _InProcess:
    """What run_worker asks of a simulator: its CPU seconds (here: this process's)."""

    def cpu(self) -> float:
        usage = resource.getrusage(resource.RUSAGE_SELF)
        return usage.ru_utime + usage.ru_stime


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--connections", type=int, default=1_000_000)
    p.add_argument("--changed", type=float, default=0.01)
    p.add_argument("--repeat", type=int, default=3)
    args = p.parse_args(argv)
    dataset = Dataset.generate(connections=args.connections, shape="2025.12", seed=7)
    rng = random.Random(7)
    runs: dict[str, list[dict]] = {"full": [], "incremental": []}
    with tempfile.TemporaryDirectory() as tmp, Simulator(dataset, token=secrets.token_urlsafe(24)) as sim:
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHENTIK")}
        env.update(AUTHENTIK_TOKEN=sim.token, PYTHONPATH=str(BENCH) + os.pathsep + env.get("PYTHONPATH", ""))
        base = Path(tmp) / "base.duckdb"
        sync(sim, env, base)
        night(dataset, rng, args.changed)
        sync(sim, env, base, "--incremental")
        for i in range(args.repeat):
            night(dataset, rng, args.changed)
            for kind in ("full", "incremental"):
                db = Path(tmp) / f"{kind}-{i}.duckdb"
                shutil.copy(base, db)
                before = dict(sim.stats["paths"])
                extra = ["--incremental"] if kind == "incremental" else []
                result = sync(sim, env, db, *extra)
                result["requests"] = _connection_requests(before, sim.stats["paths"])
                runs[kind].append(result)
            equal = _same_tables(Path(tmp) / f"full-{i}.duckdb", Path(tmp) / f"incremental-{i}.duckdb")
            print(f"repeat {i + 1}: tables equal: {'yes' if equal else 'NO'}", flush=True)
            if not equal:
                return 1
            shutil.copy(Path(tmp) / f"incremental-{i}.duckdb", base)
    report(args, runs)
    return 0


def night(dataset: Dataset, rng: random.Random, fraction: float) -> None:
    """A night passes on the server's clock, and `fraction` of the connections change."""
    dataset.updates.clock_us += NIGHT_US
    pks = dataset.connection_pks()
    dataset.touch_connections(rng.sample(pks, max(1, round(len(pks) * fraction))))


def sync(sim: Simulator, env: dict[str, str], db: Path, *extra: str) -> dict:
    cmd = [sys.executable, str(BENCH / "run_sync.py"), "--url", sim.url, "--db", str(db), "--mode", "list",
           "--no-directory", "--log-format", "json", *extra]  # fmt: skip
    return run_worker(cmd, env, LOG_COPY, _InProcess())  # type: ignore[arg-type]


def _connection_requests(before: dict[str, int], after: dict[str, int]) -> int:
    return sum(after.get(k, 0) - before.get(k, 0) for k in ("list", "retrieve"))


def _same_tables(full: Path, incremental: Path) -> bool:
    with duckdb.connect() as con:
        con.execute(f"ATTACH '{full}' AS f (READ_ONLY)")
        con.execute(f"ATTACH '{incremental}' AS i (READ_ONLY)")
        for query in (CONNECTIONS, SOURCES):
            a, b = query.replace("FROM ", "FROM f."), query.replace("FROM ", "FROM i.")
            both = f"({a} EXCEPT ALL {b}) UNION ALL ({b} EXCEPT ALL {a})"
            differing = con.execute(f"SELECT count(*) FROM ({both})")
            if differing.fetchone()[0]:  # type: ignore[index]
                return False
    return True


def report(args: argparse.Namespace, runs: dict[str, list[dict]]) -> None:
    def med(kind: str, key: str) -> float:
        return statistics.median(r[key] for r in runs[kind])

    print(f"list mode, {args.connections:,} connections, {args.changed:.0%} changed per night, "
          f"median of {args.repeat} (--no-directory)")  # fmt: skip
    print("| sync | wall s | connection requests | peak RSS MB |")
    print("|---|---|---|---|")
    for kind in ("full", "incremental"):
        wall, requests, rss = med(kind, "wall_s"), med(kind, "requests"), med(kind, "peak_rss_mb")
        print(f"| {kind} | {wall:.2f} | {requests:,.0f} | {rss:.0f} |")
    fewer = med("full", "requests") / max(1.0, med("incremental", "requests"))
    faster = med("full", "wall_s") / med("incremental", "wall_s")
    verdicts = ("met" if fewer >= 20 else "NOT met", "met" if faster >= 10 else "NOT met")
    print(f"incremental: {fewer:.0f}x fewer connection requests (target 20x: {verdicts[0]}), "
          f"{faster:.1f}x less time (target 10x: {verdicts[1]})")  # fmt: skip


if __name__ == "__main__":
    sys.exit(main())
