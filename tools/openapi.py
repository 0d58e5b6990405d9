"""Each service's OpenAPI document, as flask-smorest builds it, under ``docs/openapi/``.

Usage: ``python -m tools.openapi [--check] [DIR]`` (DIR defaults to ``docs/openapi``).
"""

from __future__ import annotations

import argparse
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from flask import Flask

from tools.apidocs import render, sync
from tools.services import SERVICES, Service

DEFAULT_DIR = Path("docs/openapi")


def spec_of(app: Flask) -> dict[str, Any]:
    """The OpenAPI document of the app's (only) flask-smorest ``Api``."""
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    document: dict[str, Any] = api.spec.to_dict()
    return document


def build_document(service: Service) -> dict[str, Any]:
    """Build the service's app on an in-memory database and take its document.

    Connects to no broker.
    """
    app = service.document_app()
    try:
        return spec_of(app)
    finally:
        app.extensions["inagara"].engine.dispose()


def main(argv: Sequence[str] | None = None) -> int:
    """Write the documents, or with ``--check`` exit 1 when one is stale."""
    parser = argparse.ArgumentParser(
        prog="python -m tools.openapi",
        description="Write each service's OpenAPI document.",
    )
    parser.add_argument("--check", action="store_true", help="only report stale documents")
    parser.add_argument("dir", nargs="?", type=Path, default=DEFAULT_DIR)
    args = parser.parse_args(argv)
    files = {
        args.dir / f"{service.name}.json": render(build_document(service)) for service in SERVICES
    }
    return sync(files, check=args.check, command=f"{parser.prog} {args.dir}")


if __name__ == "__main__":
    raise SystemExit(main())
