"""`make test-real`: the integration suite against a real authentik server, opt-in.

Set all three, or nothing runs (one line says which are missing, exit 0):

    AUTHENTIK_REAL_URL    the server, e.g. http://127.0.0.1:9000
    AUTHENTIK_REAL_TOKEN  an API token of a superuser (the suite creates and removes test objects)
    AUTHENTIK_REAL_PG     libpq connection string to authentik's own Postgres database, e.g.
                          "host=127.0.0.1 port=5432 user=authentik password=... dbname=authentik"

Then pytest runs on tests_real/ only (never part of `make test`); extra arguments go to pytest,
e.g. `tests_real/run.py -k least_privilege`. The exit code is pytest's.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

REQUIRED = ("AUTHENTIK_REAL_URL", "AUTHENTIK_REAL_TOKEN", "AUTHENTIK_REAL_PG")


def main(argv: list[str]) -> int:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        print(
            f"tests_real: {', '.join(missing)} not set, so nothing was run "
            f"(set {', '.join(REQUIRED)} to test against a real authentik)"
        )
        return 0
    import pytest

    here = Path(__file__).resolve().parent
    # --tb=short: tracebacks without function arguments, which may hold the token or the password.
    args = [str(here), "-q", "-p", "no:cacheprovider", "--tb=short", "--rootdir", str(here.parent), *argv]
    return int(pytest.main(args))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
