"""Lists that can grow, paged and searchable: ``?q=`` keeps the rows whose text holds every
word of the query (case-insensitive), ``?page=`` (or the list's own parameter, when a page
pages two lists) and ``?per_page=`` (at most 200) cut them."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, Generic, TypeVar

from flask import request

T = TypeVar("T")
PER_PAGE = 50
MAX_PER_PAGE = 200


def query() -> str:
    return request.args.get("q", "").strip()[:200]


def matching(rows: Sequence[T], text_of: Callable[[T], str], q: str | None = None) -> list[T]:
    words = (query() if q is None else q).casefold().split()
    return [row for row in rows if all(w in text_of(row).casefold() for w in words)]


def _whole(name: str, default: int, highest: int) -> int:
    raw = request.args.get(name, "")
    return min(max(int(raw), 1), highest) if raw.isdigit() else default


@dataclass(frozen=True)
class Page(Generic[T]):
    rows: list[T]
    number: int
    pages: int
    total: int
    param: str = "page"

    def url_args(self, number: int) -> dict[str, Any]:
        """This view's arguments for the list's page ``number`` (search and sizes kept)."""
        return {**(request.view_args or {}), **request.args.to_dict(), self.param: number}


def paged(rows: Sequence[T], param: str = "page") -> Page[T]:
    per_page = _whole("per_page", PER_PAGE, MAX_PER_PAGE)
    pages = max(1, -(-len(rows) // per_page))
    number = min(_whole(param, 1, 1_000_000), pages)
    start = (number - 1) * per_page
    return Page(list(rows[start : start + per_page]), number, pages, len(rows), param)
