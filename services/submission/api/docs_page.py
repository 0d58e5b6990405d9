"""The interactive docs page (/docs) without the internet: Swagger UI's files are
served from the ``swagger-ui-bundle`` package instead of a CDN."""

from __future__ import annotations

from flask import Blueprint, Flask

ASSETS = "/docs/assets"


def serve_swagger_ui_locally(app: Flask) -> bool:
    """Point /docs at bundled Swagger UI files; False (the CDN stays) without the package."""
    try:
        import swagger_ui_bundle
    except ImportError:  # pragma: no cover - it is a dependency; the CDN still works
        return False
    app.register_blueprint(
        Blueprint(
            "swagger_ui_assets",
            __name__,
            static_folder=swagger_ui_bundle.swagger_ui_path,
            static_url_path=ASSETS,
        )
    )
    api = app.extensions["flask-smorest"]["apis"][""]["ext_obj"]
    # flask-smorest read OPENAPI_SWAGGER_UI_URL once, when shared.web built the Api;
    # relative, so the page also works behind a path prefix.
    api._swagger_ui_url = ASSETS.lstrip("/") + "/"
    return True
