"""API shapes: which release line's JSON the simulator speaks.

A shape is a release name such as ``"2024.10"`` or ``"2025.12.4"``; only ``year.minor`` matters.
Behaviour switches on the first release line where it was observed (captures and OpenAPI files).
"""

from __future__ import annotations

from dataclasses import dataclass

SHAPES = ("2024.10", "2024.12", "2025.4", "2025.12", "2026.5")
DEFAULT_SHAPE = "2025.12"


@dataclass(frozen=True, slots=True)
class Features:
    """What a release line does differently."""

    name: str
    version: tuple[int, int]
    source_obj: bool  # connection carries "source": uuid + "source_obj": {...} (2024.12+)
    identifier: bool  # connection has identifier + last_updated (2025.4+)
    source_v2: bool  # Source has promoted/icon_url/icon_themed_urls, icon "" (2025.12+)
    autocomplete: bool  # list envelope has "autocomplete": {} (2025.8+)
    capped_pages: bool  # page_size defaults to 20 and is capped at 100 (2025.12+)
    verbose_404: bool  # "No UserSourceConnection matches the given query." (2025.12+)
    anon_retrieve_500: bool  # retrieve without any Authorization header answers 500 (2025.12+)
    telegram: bool  # the Telegram source type exists (2025.12 captures; absent up to 2025.4)
    sources_by_pk: bool  # /sources/all/ ordered by pk (2025.12) instead of creation order
    i18n_headers: bool  # vary: Accept-Language, Cookie + content-language: en (2025.12)

    @property
    def default_page_size(self) -> int:
        return 20 if self.capped_pages else 100

    @property
    def max_page_size(self) -> int | None:
        return 100 if self.capped_pages else None


def parse_version(shape: str) -> tuple[int, int]:
    """``"2025.12.4"`` -> ``(2025, 12)``; raises ValueError on anything else."""
    parts = str(shape).strip().split(".")
    if len(parts) < 2 or not all(p.isdigit() for p in parts[:2]):
        raise ValueError(f"invalid shape {shape!r}: expected a release like '2025.12'")
    return int(parts[0]), int(parts[1])


def features(shape: str) -> Features:
    """The feature switches of a shape (any release name; earlier than 2024.10 acts as 2024.10)."""
    v = parse_version(shape)
    new = v >= (2025, 12)
    return Features(
        name=f"{v[0]}.{v[1]}",
        version=v,
        source_obj=v >= (2024, 12),
        identifier=v >= (2025, 4),
        source_v2=new,
        autocomplete=v >= (2025, 8),
        capped_pages=new,
        verbose_404=new,
        anon_retrieve_500=new,
        telegram=new,
        sources_by_pk=new,
        i18n_headers=new,
    )
