"""What several test modules share: the real entry point, one-line error checks, tiny HTTP servers."""

from __future__ import annotations

import http.server
import os
import subprocess
import sys
import threading
from pathlib import Path
from typing import ClassVar

from conftest import TOKEN
from prometheus_client.parser import text_string_to_metric_families

EXE = str(Path(sys.executable).with_name("authentik-etl"))


def cli(*args: str, env: dict[str, str] | None = None, timeout: float = 120, stdin: str | None = None):
    base = {k: v for k, v in os.environ.items() if not k.startswith("AUTHENTIK")}
    return subprocess.run(
        [EXE, *args],
        env={**base, **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
    )


def env_for(sim, db_path: Path) -> dict[str, str]:
    return {"AUTHENTIK_URL": sim.url, "AUTHENTIK_TOKEN": TOKEN, "AUTHENTIK_ETL_DB": str(db_path)}


def assert_one_line_error(proc, code: int, needle: str) -> None:
    assert proc.returncode == code, (proc.returncode, proc.stderr)
    assert "Traceback" not in proc.stderr
    errors = [line for line in proc.stderr.splitlines() if line.startswith("authentik-etl: error:")]
    assert len(errors) == 1 and needle in errors[0], proc.stderr


def metrics(path) -> dict[str, dict[tuple, float]]:
    families = text_string_to_metric_families(path.read_text())
    return {f.name: {tuple(sorted(s.labels.items())): s.value for s in f.samples} for f in families}


class Recorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with {} (or a redirect to `location`) and keeps each request's headers."""

    seen: ClassVar[list[dict[str, str]]] = []
    location = ""

    def do_GET(self) -> None:
        type(self).seen.append(dict(self.headers))
        if self.location:
            self.send_response(302)
            self.send_header("Location", self.location)
        else:
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", "2")
        self.end_headers()
        self.wfile.write(b"{}")

    def log_message(self, *args: object) -> None:
        pass


def serve(handler: type) -> http.server.ThreadingHTTPServer:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server
