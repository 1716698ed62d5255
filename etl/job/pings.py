"""healthchecks.io-style pings: GET <url>/start before the job, <url>/<exit code> after it."""

from __future__ import annotations

import logging

import urllib3

from authentik_etl.extract.client import make_pool

log = logging.getLogger(__name__)
PING_TIMEOUT = urllib3.Timeout(connect=5.0, read=10.0)


def ping(base: str, suffix: str) -> None:
    """GET <base>/<suffix> (healthchecks.io style); a failed ping is only a warning."""
    url = f"{base.rstrip('/')}/{suffix}"
    pool = make_pool(url, headers={"User-Agent": "authentik-etl"}, pool_size=1, timeout=PING_TIMEOUT)
    try:
        response = pool.request("GET", url, redirect=True, retries=urllib3.Retry(total=2, redirect=3))
        if response.status >= 400:
            log.warning("monitoring ping %s answered HTTP %d", url, response.status)
    except urllib3.exceptions.HTTPError as exc:
        log.warning("monitoring ping %s failed: %s", url, type(exc).__name__)
    finally:
        pool.clear()
