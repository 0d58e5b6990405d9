"""The public pages: the published cycles, one cycle side by side per category, the
catalogue. No login; Bahasa Indonesia first, English on ``?lang=en``; every page links
the privacy notice."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from urllib.parse import urlencode

from flask import Blueprint, abort, render_template, request
from marshmallow import EXCLUDE, ValidationError

from services.results.api.context import now, results_config, with_links, work
from services.results.api.schemas import CatalogQuerySchema
from services.results.domain.wording import WORDS, language
from services.results.usecases import queries
from shared.platform.formats import format_datetime

bp = Blueprint("public", __name__, template_folder="../templates")


@bp.app_context_processor
def _page_context() -> dict[str, Any]:
    if not request:
        return {}
    lang = language(request.args.get("lang"))
    config = results_config()

    def when(moment: datetime | None) -> str:
        return format_datetime(moment, lang, config.time_zone) if moment else ""

    def link(endpoint_args: dict[str, Any], to_lang: str | None = None) -> str:
        args = {k: v for k, v in endpoint_args.items() if v not in (None, "")}
        chosen = to_lang if to_lang is not None else lang
        if chosen == "en":
            args["lang"] = "en"
        else:
            args.pop("lang", None)
        return "?" + urlencode(args) if args else ""

    other = "id" if lang == "en" else "en"
    return {
        "lang": lang,
        "t": WORDS[lang],
        "when": when,
        "lang_query": "?lang=en" if lang == "en" else "",
        "other_lang_query": link(request.args.to_dict(), other),
        "privacy_url": config.privacy_url + ("?lang=en" if lang == "en" else ""),
    }


@bp.get("/")
def index() -> str:
    cycles = queries.list_cycles(now(), work())
    return render_template(
        "results/index.html",
        results=[c for c in cycles if c["results_published_at"]],
        open_shortlists=[
            c for c in cycles if not c["results_published_at"] and c["objections_open"]
        ],
    )


@bp.get("/siklus/<cycle_id>")
def cycle(cycle_id: str) -> str:
    record = queries.cycle_record(cycle_id, now(), work())
    if record is None:
        abort(404)
    return render_template("results/cycle.html", cycle=with_links(record))


@bp.get("/katalog")
def catalog() -> tuple[str, int]:
    try:
        query = CatalogQuerySchema(unknown=EXCLUDE).load(
            {k: v for k, v in request.args.items() if k != "lang" and v != ""}
        )
        errors: dict[str, Any] = {}
    except ValidationError as exc:
        query, errors = CatalogQuerySchema().load({}), exc.messages_dict
    found = queries.search_catalog(query, work())
    return render_template("results/catalog.html", query=query, found=found, errors=errors), (
        422 if errors else 200
    )
