"""Real-server speed: the server's saturated rate, then the sync with its default settings.

    python bench/real_server.py --url http://127.0.0.1:9000 --token-file TOKEN [--levels 1,2,4,8,16]
        [--retrieves 400] [--repeat 2]

1. The saturated rate: the shipped HTTP client alone (no validation, no database; the sync's retry
   policy, since a real server's workers recycle and reset connections), with 1, 2, 4, 8 and 16
   requests in flight: retrieves per second (`GET .../all/{id}/` over the first --retrieves ids) and
   listed rows per second (every list page of 100).
2. `authentik-etl sync` with its defaults (only --url, token and a fresh --db), per-id and list mode
   (and with each --settings), connections per second while it fetched them and for the whole run, and
   its failed connections; then the ratio to the best saturated rate, and to the mode's ceiling: for
   per-id, retrieves plus the listing it needs to discover the ids (1 / (1/retrieves + 1/listed rows)),
   and the requests in flight each sync ended at.

Both run in rounds (every level and every sync once per round; medians of --repeat rounds), so the
server's drift through the half hour weighs on every figure alike. Talks to the given server only (use
a loopback one: ../shared/realak/). Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import duckdb

from authentik_etl.extract.client import AuthentikClient
from authentik_etl.extract.pagination import CONNECTIONS_PATH, fetch_page
from authentik_etl.extract.retry import RetryPolicy

BIN = Path(sys.executable).parent
# The sync's own retry policy: a real server's workers recycle (gunicorn), so resets happen.
POLICY = RetryPolicy()


def ints(text: str) -> list[int]:
    return [int(part) for part in text.split(",") if part]


def connection_ids(client: AuthentikClient, limit: int) -> list[int]:
    ids: list[int] = []
    page = 1
    while page and len(ids) < limit:
        got = fetch_page(client, CONNECTIONS_PATH, page, 100)
        ids += [row["pk"] for row in got.results]
        page = got.next
    return ids[:limit]


def retrieve_rate(client: AuthentikClient, ids: list[int], in_flight: int) -> float:
    start = time.monotonic()
    with ThreadPoolExecutor(in_flight) as pool:
        list(pool.map(lambda pk: POLICY.call(lambda: client.get_json(f"{CONNECTIONS_PATH}{pk}/")), ids))
    return len(ids) / (time.monotonic() - start)


def list_rate(client: AuthentikClient, in_flight: int) -> float:
    first = fetch_page(client, CONNECTIONS_PATH, 1, 100)
    start = time.monotonic()
    with ThreadPoolExecutor(in_flight) as pool:
        rows = sum(
            len(page.results)
            for page, _ in pool.map(
                lambda n: POLICY.call(lambda: fetch_page(client, CONNECTIONS_PATH, n, 100)),
                range(1, first.total_pages + 1),
            )
        )
    return rows / (time.monotonic() - start)


def sync_rate(url: str, token_file: str, mode: str, extra: list[str]) -> tuple[float, float, int, int]:
    """A sync into a fresh database (default settings, or `extra` flags): connections per second
    while it fetched them (its `fetch` stage: listing, retrieving, sources), connections per second
    of the whole run (users, groups, per-type detail, findings and apply included), failed ones, and
    the requests in flight it ended at (where `--concurrency auto` settled)."""
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "real.duckdb"
        env = {k: v for k, v in os.environ.items() if not k.startswith("AUTHENTIK")}
        env.update(AUTHENTIK_URL=url, AUTHENTIK_TOKEN_FILE=token_file)
        command = [str(BIN / "authentik-etl"), "sync", "--db", str(db), "--mode", mode, "--no-progress",
                   "--log-format", "json", *extra]  # fmt: skip
        proc = subprocess.run(command, env=env, capture_output=True, text=True)
        if proc.returncode not in (0, 3):
            raise SystemExit(f"sync --mode {mode} failed: {proc.stderr.strip().splitlines()[-1]}")
        stages = [json.loads(line) for line in proc.stderr.splitlines() if line.startswith("{")]
        fetch_s = next(e["seconds"] for e in stages if e.get("stage") == "fetch")
        with duckdb.connect(str(db), read_only=True) as con:
            fetched, failed, seconds, held = con.execute(
                "SELECT fetched, failed, epoch(finished_at) - epoch(started_at), concurrency FROM sync_runs"
            ).fetchone()
    return fetched / fetch_s, fetched / seconds, failed, held


Probes = dict[int, list[tuple[float, float]]]  # level -> (retrieves/s, listed rows/s) per round
Syncs = dict[tuple[str, str], list[tuple[float, float, int, int]]]  # (flags, mode) -> sync_rate per round


def print_tables(probes: Probes, syncs: Syncs) -> None:
    print("| requests in flight | retrieves/s | listed rows/s |\n|---|---|---|")
    best = {"retrieve": 0.0, "list": 0.0}
    for level, got in probes.items():
        r, rows = statistics.median(g[0] for g in got), statistics.median(g[1] for g in got)
        best["retrieve"], best["list"] = max(best["retrieve"], r), max(best["list"], rows)
        print(f"| {level} | {r:.1f} | {rows:.0f} |")
    # A per-id sync must also list every connection to discover the ids: its ceiling counts that too.
    ceiling = {"retrieve": 1 / (1 / best["retrieve"] + 1 / best["list"]), "list": best["list"]}
    print("\n| sync | connections/s while fetching | of the best saturated rate | of the mode's ceiling "
          "| connections/s, whole run | failed | in flight at the end |\n" + "|---" * 7 + "|")  # fmt: skip
    for (settings, mode), runs in syncs.items():
        rate, whole = statistics.median(r[0] for r in runs), statistics.median(r[1] for r in runs)
        failed = sum(r[2] for r in runs)
        held = ", ".join(str(r[3]) for r in runs)
        name = f"`--mode {mode} {settings}`" if settings else f"`--mode {mode}` (defaults)"
        ratios = f"{rate / best[mode]:.2f}x | {rate / ceiling[mode]:.2f}x"
        print(f"| {name} | {rate:.1f} | {ratios} | {whole:.1f} | {failed} | {held} |")


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--token-file", required=True)
    p.add_argument("--levels", type=ints, default=[1, 2, 4, 8, 16])
    p.add_argument("--retrieves", type=int, default=400, help="retrieves per level (400)")
    p.add_argument("--repeat", type=int, default=2, help="rounds (every figure once each), medians shown (2)")
    p.add_argument(
        "--settings",
        action="append",
        default=[],
        help="also time the sync with these flags, e.g. --settings='--concurrency 8' (repeatable)",
    )
    args = p.parse_args(argv)
    token = Path(args.token_file).read_text().strip()
    client = AuthentikClient(args.url, token, pool_size=max(args.levels))
    ids = connection_ids(client, args.retrieves)
    # Rounds: every level and every sync once per round, so the server's drift over the half hour (a
    # shared machine's figures move 10-15% between minutes) weighs on each figure alike.
    probes: Probes = {level: [] for level in args.levels}
    syncs: Syncs = {}
    for round_ in range(1, args.repeat + 1):
        for level in args.levels:
            probes[level].append((retrieve_rate(client, ids, level), list_rate(client, level)))
        for settings in ["", *args.settings]:
            for mode in ("retrieve", "list"):
                got = sync_rate(args.url, args.token_file, mode, settings.split())
                syncs.setdefault((settings, mode), []).append(got)
        print(f"round {round_} of {args.repeat} done", file=sys.stderr, flush=True)
    client.close()
    print_tables(probes, syncs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
