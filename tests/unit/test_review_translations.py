"""Every string of the review pages has its Indonesian translation, and the compiled catalog
the service loads says what the ``.po`` says.

The strings are extracted as ``make translations`` extracts them (Babel's Python and Jinja2
extractors over services/review, as services/review/babel.cfg maps them).
"""

from __future__ import annotations

import re

from babel.messages.mofile import read_mo

from services.review.domain import scoring
from tools import translations

PLACEHOLDER = re.compile(r"%\((\w+)\)s")


def test_every_ui_string_has_an_indonesian_translation() -> None:
    extracted = {m.id for m in translations.extract() if m.id}
    catalog = translations.read("id")
    assert len(extracted) > 150, "the extractor finds the templates' and the views' strings"
    missing = sorted(msgid for msgid in extracted if msgid not in catalog)
    assert not missing, f"not in the id catalog (run make translations): {missing}"
    untranslated = sorted(m.id for m in catalog if m.id in extracted and (not m.string or m.fuzzy))
    assert not untranslated, f"no Indonesian translation (or fuzzy): {untranslated}"


def test_translations_keep_their_placeholders() -> None:
    for m in translations.read("id"):
        if m.id:
            assert set(PLACEHOLDER.findall(m.id)) == set(PLACEHOLDER.findall(m.string)), m.id


def test_the_compiled_catalog_is_up_to_date_with_the_po() -> None:
    with translations.mo_path("id").open("rb") as f:
        compiled = {m.id: m.string for m in read_mo(f) if m.id}
    source = {m.id: m.string for m in translations.read("id") if m.id and not m.fuzzy}
    assert compiled == source, "messages.mo differs from messages.po: run make translations"


def test_the_tie_break_rule_shown_is_the_one_scoring_applies() -> None:
    from services.review.api.pages.cycles import TIE_BREAK

    assert TIE_BREAK._args[0] == scoring.TIE_BREAK_RULE
