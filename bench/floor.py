"""The raw floor: the shipped HTTP client in a minimal loop, nothing but fetch and parse.

    python bench/floor.py --url URL --token T --connections N [--mode retrieve|list]
        [--concurrency 4] [--client shipped|urllib3] [--work parse|validate|row] [--retry]

The ids are known up front (generated from the simulator's seed, outside the timed part), so
the loop is: `concurrency` threads sharing one client, each taking the next id (or list page)
and calling `get_json` on it. `--work` adds the sync's per-object steps one at a time (pydantic
validation, then the flat row and payload dump) to show what each costs, `--retry` the retry
policy (tenacity) around each call; `--client urllib3` swaps the shipped client (AuthentikClient)
for a bare urllib3 pool to show what the client costs.
Prints one BENCH-RESULT line.
"""

from __future__ import annotations

import argparse
import json
import sys
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

from benchlib import CONNECTIONS_PATH, Usage, emit


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", required=True)
    p.add_argument("--token", required=True)
    p.add_argument("--connections", type=int, required=True, help="the simulator's --connections")
    p.add_argument("--shape", default="2025.12")
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--mode", choices=("retrieve", "list"), default="retrieve")
    p.add_argument("--concurrency", type=int, default=4)
    p.add_argument("--page-size", type=int, default=100)
    p.add_argument("--client", choices=("shipped", "urllib3"), default="shipped")
    p.add_argument("--work", choices=("parse", "validate", "row"), default="parse")
    p.add_argument("--retry", action="store_true", help="call through the sync's RetryPolicy (tenacity)")
    return p


def shipped_get(url: str, token: str, pool: int) -> tuple[Callable[..., Any], Callable[[], None]]:
    from authentik_etl.extract.client import AuthentikClient

    client = AuthentikClient(url, token, pool_size=pool)
    return client.get_json, client.close


def urllib3_get(url: str, token: str, pool: int) -> tuple[Callable[..., Any], Callable[[], None]]:
    """What a bare urllib3 pool costs: same headers, same JSON decode, status checked."""
    from urllib.parse import urlencode

    import urllib3

    root = url.rstrip("/") + "/api/v3"
    http = urllib3.PoolManager(
        maxsize=pool,
        block=True,
        retries=False,
        headers={
            "Authorization": f"Bearer {token}",
            "Accept": "application/json",
            "User-Agent": "authentik-etl-bench",
        },
    )

    def get(path: str, params: dict[str, Any] | None = None) -> Any:
        target = root + path + ("?" + urlencode(params) if params else "")
        response = http.request("GET", target, redirect=False, timeout=urllib3.Timeout(10, 30))
        if response.status != 200:
            raise RuntimeError(f"HTTP {response.status} for {target}")
        return json.loads(response.data)

    return get, http.clear


def with_retry(get: Callable[..., Any]) -> Callable[..., Any]:
    from authentik_etl.extract.retry import RetryPolicy

    policy = RetryPolicy()
    return lambda *a: policy.call(lambda: get(*a))[0]


def per_object(work: str) -> Callable[[Any], None]:
    if work == "parse":
        return lambda payload: None
    from authentik_etl.extract import models

    if work == "validate":
        return models.parse_connection

    def row(payload: Any) -> None:
        conn = models.parse_connection(payload)
        models.connection_row(conn, models.dump_payload(payload))
        models.raw_source_of(payload)

    return row


def main(argv: list[str]) -> int:
    args = build_parser().parse_args(argv)
    from authentik_etl.simulator import Dataset

    pks = Dataset.generate(connections=args.connections, shape=args.shape, seed=args.seed).connection_pks()
    n_pages = -(-len(pks) // args.page_size)
    make = shipped_get if args.client == "shipped" else urllib3_get
    get, close = make(args.url, args.token, args.concurrency)
    if args.retry:
        get = with_retry(get)
    handle = per_object(args.work)
    counted = [0]
    lock = threading.Lock()

    def retrieve_worker(ids: Iterator[int]) -> None:
        done = 0
        for pk in ids:  # a list iterator shared by the threads: next() is atomic under the GIL
            handle(get(f"{CONNECTIONS_PATH}{pk}/"))
            done += 1
        with lock:
            counted[0] += done

    def list_worker(pages: Iterator[int]) -> None:
        done = 0
        for page in pages:
            body = get(CONNECTIONS_PATH, {"ordering": "pk", "page": page, "page_size": args.page_size})
            for item in body["results"]:
                handle(item)
            done += len(body["results"])
        with lock:
            counted[0] += done

    usage = Usage()  # timed from here: ids are ready, imports done
    shared: Iterator[int] = iter(pks) if args.mode == "retrieve" else iter(range(1, n_pages + 1))
    worker = retrieve_worker if args.mode == "retrieve" else list_worker
    with ThreadPoolExecutor(args.concurrency) as pool:
        for future in [pool.submit(worker, shared) for _ in range(args.concurrency)]:
            future.result()
    report = usage.stop()
    close()
    if counted[0] != len(pks):
        print(f"floor: expected {len(pks)} connections, got {counted[0]}", file=sys.stderr)
        return 1
    emit({**report, "connections": counted[0], "requests": len(pks) if args.mode == "retrieve" else n_pages})
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
