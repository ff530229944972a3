"""Rendering emails from templates/email/: subject, plain text and HTML, in the person's language.

An email `name` is three templates: `email/<name>.subject.jinja2`, `email/<name>.txt.jinja2` and
`email/<name>.html.jinja2` (optional). Plain text and subject render without HTML escaping; HTML
with it. Both have the same translations and date filters as the pages.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

from jinja2 import Environment, TemplateNotFound, select_autoescape

from idmevents import i18n, templating
from idmevents.settings import get_settings


@functools.cache
def _environment(autoescape: bool) -> Environment:
    env = templating.environment(
        autoescape=select_autoescape(enabled_extensions=("html.jinja2",), default=False)
        if autoescape
        else False,
        keep_trailing_newline=True,
    )
    env.globals.update(salutation=salutation)
    return env


def salutation(person: Mapping[str, Any]) -> str:
    """Whom "Dear …," greets: "Ambassador Dupont" for someone with an honorific, else the given
    name as today ("Dear Ana,")."""
    honorific = (person.get("honorific") or "").strip()
    if honorific:
        return f"{honorific} {person['family_name']}"
    return person["given_name"]


# Line breaks and indentation the subject template may leave; not the no-break spaces French
# puts before a colon, which str.split() would also have taken for white space.
_SUBJECT_SPACES = re.compile(r"[ \t\r\n\f\v]+")


def render_email(name: str, context: dict, language: str) -> tuple[str, str, str | None]:
    """(subject, text, html or None) for email `name`, in `language` where a translation exists."""
    token = i18n.set_language(language)
    try:
        context = {"base_url": get_settings().base_url, **context}
        subject = _environment(False).get_template(f"email/{name}.subject.jinja2").render(context)
        text = _environment(False).get_template(f"email/{name}.txt.jinja2").render(context)
        try:
            html_template = _environment(True).get_template(f"email/{name}.html.jinja2")
        except TemplateNotFound:  # this email has no HTML part
            html = None
        else:
            html = html_template.render(context)
    finally:
        i18n.reset_language(token)
    return _SUBJECT_SPACES.sub(" ", subject).strip(), text, html
