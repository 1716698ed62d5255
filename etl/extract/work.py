"""The hand-over between discovery/retrieval (fetching.py) and scheduling (dispatch.py).

The Dispatcher decides which call goes next and hands each finished call's Outcome back; the
Fetcher does the calls and keeps every count. Neither reads the other's state: this Protocol and
the Outcome are all they share.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

from authentik_etl.core.errors import ApiError
from authentik_etl.extract.pagination import Page


@dataclass
class Outcome:
    """What a worker made of one connection (or one page of them)."""

    rows: list[dict[str, Any]] = field(default_factory=list)
    sources: list[tuple[Any, dict[str, Any]]] = field(default_factory=list)
    errors: list[dict[str, Any]] = field(default_factory=list)
    gone: list[int] = field(default_factory=list)
    page: Page | None = None
    listed_ids: list[int] = field(default_factory=list)  # the connection ids a list page named


class Tasks(Protocol):
    """What the Dispatcher may ask of the side that does the work."""

    def list_page(self, number: int) -> Outcome: ...  # in a worker thread

    def retrieve_many(self, pks: list[int]) -> Outcome: ...  # in a worker thread

    def take(self, out: Outcome) -> None: ...  # in the calling thread, for every finished call

    def page_failed(self, number: int, error: ApiError) -> None: ...  # a list page failed after retries

    def allowed_in_flight(self) -> int: ...


class Sink(Protocol):
    """Where fetched rows go (load.staging.Stager): written in the calling thread only."""

    def add_connection(self, row: dict[str, Any]) -> None: ...

    def add_sources(self, rows: list[dict[str, Any]], mappings: list[dict[str, Any]]) -> None: ...

    def add_errors(self, rows: list[dict[str, Any]]) -> None: ...

    def add_ids(self, table: str, ids: list[int]) -> None: ...

    def add_directory(self, table: str, rows: list[dict[str, Any]]) -> None: ...

    def count_distinct(self, table: str) -> int: ...

    def flush(self) -> None: ...
