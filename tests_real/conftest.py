"""The opt-in suite against a real authentik: run it with `make test-real` (tests_real/run.py).

It needs AUTHENTIK_REAL_URL, AUTHENTIK_REAL_TOKEN (a superuser's API token) and AUTHENTIK_REAL_PG
(a libpq connection string to authentik's own Postgres database). It changes the server for a moment
(a connection deleted and added, a source disabled, property mappings, a service account, a group, a
role) and puts it back in `finally` blocks; names carry a random suffix, so reruns never collide.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from ak_api import Api
from ak_pg import Postgres
from etl_run import Real

from authentik_etl.core.config import normalise_base_url

REQUIRED = ("AUTHENTIK_REAL_URL", "AUTHENTIK_REAL_TOKEN", "AUTHENTIK_REAL_PG")


def pytest_configure(config: pytest.Config) -> None:
    missing = [name for name in REQUIRED if not os.environ.get(name)]
    if missing:
        raise pytest.UsageError(f"{', '.join(missing)} not set: run tests_real/run.py (see its docstring)")


@pytest.fixture(scope="session")
def real() -> Real:
    return Real(
        normalise_base_url(os.environ["AUTHENTIK_REAL_URL"]),
        os.environ["AUTHENTIK_REAL_TOKEN"],
        os.environ["AUTHENTIK_REAL_PG"],
    )


@pytest.fixture(scope="session")
def api(real: Real) -> Iterator[Api]:
    client = Api(real.base_url, real.token)
    yield client
    client.close()


@pytest.fixture(scope="session")
def pg(real: Real) -> Iterator[Postgres]:
    db = Postgres(real.conninfo)
    yield db
    db.close()


@pytest.fixture(scope="session")
def release(api: Api) -> str:
    return api.release()


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "authentik.duckdb"
