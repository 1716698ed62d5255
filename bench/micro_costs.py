"""Per-connection cost of each step of a sync, measured alone (no HTTP, one thread).

    .venv/bin/python bench/micro_costs.py [--connections 20000]

Bodies come from the simulator's own renderer (same bytes as on the wire). Each line is the
median of 3 timings of one step over every connection, in microseconds per connection, so the
steps can be compared with bench.py's "CPU us/conn": what the HTTP client costs is the rest.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any


def each(fn: Callable[..., Any], items: list[Any]) -> Callable[[], None]:
    """Call fn on every item, keeping no result (retained objects would make the GC the cost)."""

    def run() -> None:
        for item in items:
            fn(item)

    return run


def timed(fn: Callable[[], Any], count: int, repeat: int = 3) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - start) / count * 1e6)
    return statistics.median(runs)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--connections", type=int, default=20_000)
    p.add_argument("--shape", default="2025.12")
    args = p.parse_args(argv)

    from pydantic_core import from_json

    from authentik_etl.extract import models
    from authentik_etl.extract.fetching import Fetcher, Outcome
    from authentik_etl.extract.retry import RetryPolicy
    from authentik_etl.load import staging
    from authentik_etl.simulator import Dataset
    from authentik_etl.simulator.api import App

    ds = Dataset.generate(connections=args.connections, shape=args.shape, seed=1)
    app = App(ds, "t")
    pks = ds.connection_pks()
    n = len(pks)
    base = "/api/v3/sources/user_connections/all/"
    bodies = [app.handle("GET", f"{base}{pk}/", "Bearer t").body for pk in pks]
    pages = [
        app.handle("GET", f"{base}?ordering=pk&page={i}&page_size=100", "Bearer t").body
        for i in range(1, -(-n // 100) + 1)
    ]
    payloads = [json.loads(b) for b in bodies]
    conns = [models.parse_connection(x) for x in payloads]
    dumped = [models.dump_payload(x) for x in payloads]
    fetcher = Fetcher(None, None)  # type: ignore[arg-type]  # _validate touches neither
    policy = RetryPolicy()
    rows: list[tuple[str, float]] = []

    def add(name: str, fn: Callable[[], Any]) -> None:
        rows.append((name, timed(fn, n)))

    pairs = list(zip(conns, dumped, strict=True))
    add("json.loads, one retrieve body each", each(json.loads, bodies))
    add("json.loads, list pages of 100 (per connection)", each(json.loads, pages))
    add("pydantic_core.from_json, list pages (per conn.)", each(from_json, pages))
    add("RetryPolicy.call (tenacity) around a no-op", each(lambda _: policy.call(lambda: None), pks))
    add("models.parse_connection (pydantic validate)", each(models.parse_connection, payloads))
    add("models.dump_payload (json.dumps again)", each(models.dump_payload, payloads))
    add("models.connection_row", each(lambda pair: models.connection_row(*pair), pairs))
    add(
        "Fetcher._validate (validate + dump + row)",
        each(lambda x: fetcher._validate(x, Outcome()), payloads),
    )

    with tempfile.TemporaryDirectory() as tmp:
        made = [models.connection_row(c, d) for c, d in zip(conns, dumped, strict=True)]

        def stage_rows() -> None:
            stager = staging.Stager(Path(tmp) / f"s{time.perf_counter_ns()}")
            for row in made:
                stager.add_connection(dict(row))
            stager.close()

        add("Stager.add_connection + flush (5,000-row batches)", stage_rows)

        def stage_ids(batch: int) -> Callable[[], None]:
            def run() -> None:
                stager = staging.Stager(Path(tmp) / f"i{time.perf_counter_ns()}")
                for i in range(0, n, batch):
                    stager.add_ids("stg_seen", pks[i : i + batch])
                stager.close()

            return run

        add("Stager.add_ids, 100 ids a call (one per page)", stage_ids(100))
        add("Stager.add_ids, all ids in one call", stage_ids(n))

    width = max(len(name) for name, _ in rows)
    print(f"{n:,} connections, shape {args.shape}; microseconds per connection, one thread, no HTTP")
    for name, us in rows:
        print(f"  {name.ljust(width)}  {us:8.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
