"""The review pages' message catalogs: extract the English msgids, update each ``.po``, compile.

Usage: ``python -m tools.translations`` (``make translations``), from the repository root.
New strings arrive in each language's ``.po`` with an empty msgstr; translate them, then run
it again to compile ``messages.mo``. Both files are committed, so a fresh clone shows the
pages in Indonesian without a build step; tests/unit/test_review_translations.py fails when
a string has no translation or the ``.mo`` is older than the ``.po``.
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po, write_po

ROOT = Path(__file__).resolve().parents[1]
MAPPING = ROOT / "services/review/babel.cfg"
TRANSLATIONS = ROOT / "services/review/translations"
# flask_babel.lazy_gettext is imported as _l; gettext as _ (a default keyword).
KEYWORDS = {"_l": None}
LANGUAGES = ("id",)
WIDTH = 100


def po_path(language: str) -> Path:
    return TRANSLATIONS / language / "LC_MESSAGES" / "messages.po"


def mo_path(language: str) -> Path:
    return po_path(language).with_suffix(".mo")


def extract() -> Catalog:
    """Every msgid of the review pages: templates and Python, as Babel's extractors find them."""
    method_map, options_map = parse_mapping_cfg(io.StringIO(MAPPING.read_text()))
    keywords = {**DEFAULT_KEYWORDS, **KEYWORDS}
    template = Catalog(project="Inagara review", fuzzy=False)
    for filename, lineno, message, comments, context in _extracted(
        method_map, options_map, keywords
    ):
        template.add(message, None, [(filename, lineno)], auto_comments=comments, context=context)
    return template


def _extracted(
    method_map: list[tuple[str, str]], options_map: dict[str, dict[str, str]], keywords: dict
) -> Iterator[tuple[str, int, str | tuple[str, ...], list[str], str | None]]:
    yield from extract_from_dir(
        str(ROOT), method_map, options_map, keywords=keywords, strip_comment_tags=True
    )


def read(language: str) -> Catalog:
    with po_path(language).open("rb") as f:
        return read_po(f, locale=language)


def compiled(catalog: Catalog) -> bytes:
    out = io.BytesIO()
    write_mo(out, catalog)
    return out.getvalue()


def update(language: str, template: Catalog) -> Catalog:
    catalog = read(language)
    created = catalog.creation_date  # kept: a run that changes nothing leaves the file alone
    catalog.update(template, no_fuzzy_matching=True)
    catalog.creation_date = created
    catalog.obsolete.clear()
    with po_path(language).open("wb") as f:
        write_po(f, catalog, width=WIDTH, sort_output=True, omit_header=False, no_location=True)
    return catalog


def main() -> None:
    template = extract()
    for language in LANGUAGES:
        catalog = update(language, template)
        mo_path(language).write_bytes(compiled(catalog))
        untranslated = [m.id for m in catalog if m.id and (not m.string or m.fuzzy)]
        print(f"{language}: {len(catalog)} messages, {len(untranslated)} to translate")
        for msgid in untranslated:
            print(f"  {msgid!r}")


if __name__ == "__main__":
    main()
