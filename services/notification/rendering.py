"""Renders messages from the Jinja2 templates in ``templates/`` (HTML autoescaped)."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from services.notification.domain import Message


@dataclass(frozen=True)
class RenderedEmail:
    subject: str
    text: str
    html: str


@cache
def _environment() -> Environment:
    return Environment(
        loader=PackageLoader("services.notification", "templates"),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


def render_email(message: Message) -> RenderedEmail:
    env = _environment()
    base = f"email/{message.template}.{message.language}"
    subject = env.get_template(f"{base}.subject.txt").render(message.context)
    return RenderedEmail(
        # A title with a line break must not become a second header line.
        subject=" ".join(subject.split()),
        text=env.get_template(f"{base}.txt").render(message.context),
        html=env.get_template(f"{base}.html").render(message.context),
    )
