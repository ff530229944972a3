"""Text typed by organizers, shown as HTML paragraphs (a template filter)."""

from __future__ import annotations

import re

from litestar.template import TemplateEngineProtocol

# A blank line (perhaps holding spaces) between paragraphs, once line ends are "\n".
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def paragraphs(text: str | None) -> list[str]:
    """The paragraphs of `text`, split on blank lines whatever the line ends: browsers send
    textarea text with CRLF, so a paragraph break arrives as "\\r\\n\\r\\n"."""
    if not text:
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]


def configure_text_filters(engine: TemplateEngineProtocol) -> None:
    engine.engine.filters["paragraphs"] = paragraphs
