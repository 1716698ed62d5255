"""`--url` at something that is not authentik, or nothing at all: one line, and no database file."""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator

import pytest
from conftest import TOKEN, db_rows
from helpers import assert_one_line_error, cli

from authentik_etl.load import db

PAGES = {
    "html404": (404, "text/html", b"<html><body><h1>Not Found</h1></body></html>"),
    "json404": (404, "application/json", b'{"error": "no route"}'),
    "html200": (200, "text/html", b"<!doctype html><title>Welcome to nginx!</title>"),
    "otherjson": (200, "application/json", b'{"status": "ok"}'),
}


@pytest.fixture
def elsewhere(request) -> Iterator[str]:
    """A web server that is not authentik, answering every GET with one of PAGES."""
    status, ctype, body = PAGES[request.param]

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def env_at(url: str, db_path) -> dict[str, str]:
    return {"AUTHENTIK_URL": url, "AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_ETL_DB": str(db_path)}


@pytest.mark.parametrize("elsewhere", list(PAGES), indirect=True)
def test_a_server_that_is_not_authentik_is_named_with_the_fixes(elsewhere: str, db_path) -> None:
    proc = cli("sync", "--max-attempts", "2", env=env_at(elsewhere, db_path))
    assert_one_line_error(
        proc, 2, "no authentik API answers there: GET " + elsewhere + "/api/v3/admin/version/"
    )
    assert "without /api/v3 or /if/admin/" in proc.stderr
    assert not list(db_path.parent.glob("*.duckdb*"))  # never reached authentik: no database file


@pytest.mark.parametrize("elsewhere", ["html404"], indirect=True)
def test_an_existing_database_still_records_the_failed_run(elsewhere: str, db_path) -> None:
    with db.connect(db_path) as con:
        db.migrate(con)
    proc = cli("sync", env=env_at(elsewhere, db_path))
    assert proc.returncode == 2
    [(status, error)] = db_rows(db_path, "SELECT status, error FROM sync_runs")
    assert status == "failed" and "no authentik API answers there" in error


@pytest.mark.parametrize(
    ("path", "needle"),
    [
        ("/if/admin/", "a page of authentik's web interface"),
        ("/api/v3/sources/all/", "inside authentik's API"),
    ],
)
def test_the_two_url_mistakes_are_named_before_anything_is_sent(path: str, needle: str, db_path) -> None:
    proc = cli("sync", env=env_at("http://127.0.0.1:9" + path, db_path))
    assert_one_line_error(proc, 2, needle)
    assert not db_path.exists()


def test_a_refused_port_is_retried_said_on_the_way_and_named_at_the_end(db_path) -> None:
    proc = cli("sync", "--max-attempts", "3", env=env_at("http://127.0.0.1:9", db_path))
    assert_one_line_error(proc, 1, "Connection refused; tried 3 times over")
    retries = [line for line in proc.stderr.splitlines() if "no answer from authentik yet" in line]
    assert len(retries) == 2 and "(attempt 3 of 3)" in retries[-1]
    assert not db_path.exists()
