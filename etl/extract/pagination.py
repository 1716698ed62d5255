"""authentik's page-number pagination: `{"pagination": {...}, "results": [...]}`.

`next` is a page number, 0 when there is none. Servers cap or ignore the page size asked for,
so callers follow `next`/`total_pages` and check `count` rather than trusting their request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, ValidationError

from authentik_etl.core.errors import FatalApiError
from authentik_etl.extract.client import AuthentikClient

CONNECTIONS_PATH = "/sources/user_connections/all/"
SOURCES_PATH = "/sources/all/"


class _Pagination(BaseModel):
    model_config = ConfigDict(extra="allow")
    next: int = 0
    count: int
    current: int = 1
    total_pages: int = 1


class _Envelope(BaseModel):
    model_config = ConfigDict(extra="allow")
    pagination: _Pagination
    results: list[Any]


@dataclass(frozen=True)
class Page:
    number: int
    results: list[Any]
    next: int
    count: int
    total_pages: int


def page_params(page: int, page_size: int) -> dict[str, Any]:
    return {"ordering": "pk", "page": page, "page_size": page_size}


def fetch_page(
    client: AuthentikClient, path: str, page: int, page_size: int, extra: dict[str, str] | None = None
) -> Page:
    body = client.get_json(path, {**page_params(page, page_size), **(extra or {})})
    try:
        envelope = _Envelope.model_validate(body)
    except ValidationError:
        raise FatalApiError(
            "the answer is not an authentik list page (no pagination envelope): check AUTHENTIK_URL",
            path=path,
        ) from None
    p = envelope.pagination
    return Page(page, envelope.results, p.next, p.count, max(p.total_pages, 1))


def fetch_all(client: AuthentikClient, path: str, page_size: int, call: Any = None) -> list[Any]:
    """Every result of a small listing (such as sources), following `next`."""
    results: list[Any] = []
    page, seen_pages = 1, set()
    while page and page not in seen_pages:
        seen_pages.add(page)
        current = (
            call(lambda p=page: fetch_page(client, path, p, page_size))
            if call
            else fetch_page(client, path, page, page_size)
        )
        results.extend(current.results)
        page = current.next
    return results
