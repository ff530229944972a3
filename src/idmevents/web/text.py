"""Template filters for text: organizers' paragraphs, shares as percentages."""

from __future__ import annotations

import re

from babel.numbers import format_percent
from litestar.template import TemplateEngineProtocol

from idmevents.i18n import current_language

# A blank line (perhaps holding spaces) between paragraphs, once line ends are "\n".
_BLANK_LINE = re.compile(r"\n[ \t]*\n")


def paragraphs(text: str | None) -> list[str]:
    """The paragraphs of `text`, split on blank lines whatever the line ends: browsers send
    textarea text with CRLF, so a paragraph break arrives as "\\r\\n\\r\\n"."""
    if not text:
        return []
    text = text.replace("\r\n", "\n").replace("\r", "\n")
    return [part.strip() for part in _BLANK_LINE.split(text) if part.strip()]


def share_of(part: int, whole: int) -> str:
    """`part` of `whole` as a whole percentage in the reader's language ("25 %" in French);
    a share too small to show as 1 % reads "<1 %", not "0 %", so that it is not taken for none."""
    ratio = part / whole if whole else 0
    if 0 < ratio < 0.01:
        return "<" + format_percent(0.01, locale=current_language())
    return format_percent(ratio, locale=current_language())


def configure_text_filters(engine: TemplateEngineProtocol) -> None:
    engine.engine.filters.update(paragraphs=paragraphs, share_of=share_of)
