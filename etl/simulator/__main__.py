"""``python -m authentik_etl.simulator``: serve a simulated authentik until SIGTERM/SIGINT.

Prints exactly one line, the base URL (``http://127.0.0.1:PORT``), once it accepts requests.
"""

from __future__ import annotations

import argparse
import signal
import sys
import threading
from pathlib import Path

from .data import Dataset
from .faults import KINDS, TRANSIENT, Faults
from .scopes import Scope
from .server import Simulator
from .shapes import DEFAULT_SHAPE


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m authentik_etl.simulator", description=__doc__)
    p.add_argument("--connections", type=int, default=84, help="number of connections (84)")
    p.add_argument("--users", type=int, default=0, help="at least this many users (some without connections)")
    p.add_argument("--shape", default=DEFAULT_SHAPE, help="API release line, e.g. 2024.10")
    p.add_argument("--seed", type=int, default=1, help="data and fault seed (1)")
    token = p.add_mutually_exclusive_group()
    token.add_argument("--token", default=None, help="accepted API token (sim-token)")
    token.add_argument("--token-file", type=Path, help="read the accepted token from a file")
    p.add_argument(
        "--scoped-token",
        action="append",
        default=[],
        metavar="TOKEN=SCOPE",
        help="accept another token that sees less: SCOPE is all, nothing, sources or user:N[,N...]",
    )
    p.add_argument("--latency-ms", type=float, default=0.0, help="added to every response")
    p.add_argument("--workers", type=int, default=None, help="requests worked on at once; the others queue")
    p.add_argument("--cores", type=int, default=None,
                   help="answers per second peak at this many requests at once and fall past it")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--fault-rate", type=float, default=0.0, help="fraction of faulty requests")
    p.add_argument("--faults", default=",".join(TRANSIENT), help=f"comma-separated kinds of {KINDS}")
    p.add_argument("--revoke-token-after", type=int, default=None)
    return p


def make_simulator(args: argparse.Namespace) -> Simulator:
    token = args.token_file.read_text().strip() if args.token_file else args.token
    kinds = tuple(k.strip() for k in args.faults.split(",") if k.strip())
    faults = Faults(
        rate=args.fault_rate,
        kinds=kinds,
        seed=args.seed,
        revoke_token_after=args.revoke_token_after,
    )
    dataset = Dataset.generate(connections=args.connections, shape=args.shape, seed=args.seed)
    dataset.directory.at_least = args.users
    sim = Simulator(
        dataset,
        token=token or "sim-token",
        latency=args.latency_ms / 1000.0,
        faults=faults,
        host=args.host,
        port=args.port,
        workers=args.workers,
        cores=args.cores,
    )
    for item in args.scoped_token:
        name, sep, scope = item.partition("=")
        if not sep or not name:
            raise ValueError(f"bad --scoped-token {item!r}: write it as TOKEN=SCOPE")
        sim.add_token(name, Scope.parse(scope))
    return sim


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        sim = make_simulator(args)
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    with sim:
        print(sim.url, flush=True)
        while not stop.wait(0.5):
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
