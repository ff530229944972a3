"""Meeting content in English, French and Spanish: which text a reader gets, and in what language.

A content row (meeting, session, room, panelist) keeps its text in its own columns, written in
the meeting's original language (`Meeting.original_language`), and the other languages in a
JSON column `translations`: {"fr": {"title": "…"}, "es": {"title": "…"}}. A reader asking for a
language the row has no text in gets the original text, with the language it is actually in, so
a page can mark it with `lang="…"` (WCAG 3.1.2) and a calendar with LANGUAGE=.
"""

from __future__ import annotations

import json
from typing import Any

from markupsafe import Markup, escape

from idmevents.i18n import DEFAULT_LANGUAGE, LANGUAGES, current_language, gettext, zone_name
from idmevents.validation import check_text

# The translatable fields of each kind of row: (longest text, "single_line" | "multi_line").
MEETING_TEXT = {
    "title": (300, "single_line"),
    "theme": (20_000, "multi_line"),
    "description": (20_000, "multi_line"),
    "city": (100, "single_line"),
    "venue_name": (200, "single_line"),
    "venue_address": (20_000, "multi_line"),
}
SESSION_TEXT = {"title": (300, "single_line"), "description": (20_000, "multi_line")}
ROOM_TEXT = {"name": (200, "single_line")}
PANELIST_TEXT = {"position": (20_000, "multi_line"), "bio": (20_000, "multi_line")}


def load(value: Any) -> dict[str, dict[str, str]]:
    """A `translations` value as read from either engine (JSON text or already a dict)."""
    if value is None or value == "":
        return {}
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError:
            return {}
    if not isinstance(value, dict):
        return {}
    return {
        lang: {k: v for k, v in texts.items() if isinstance(v, str)}
        for lang, texts in value.items()
        if lang in LANGUAGES and isinstance(texts, dict)
    }


def _get(row: Any, name: str, default: Any = None) -> Any:
    if isinstance(row, dict):
        return row.get(name, default)
    return getattr(row, name, default)


def original_language(row: Any, default: str = DEFAULT_LANGUAGE) -> str:
    lang = _get(row, "original_language")
    return lang if lang in LANGUAGES else default


def resolve(row: Any, field: str, lang: str, *, original: str | None = None) -> tuple[str, str]:
    """(text, language it is in) of `row`'s `field` for a reader of `lang`.

    `original` is the meeting's original language, for rows that do not carry it themselves
    (sessions, rooms, panelists); a row with `original_language` (a meeting) names its own.
    """
    source = original_language(row, original or DEFAULT_LANGUAGE)
    text = _get(row, field) or ""
    if lang != source:
        translated = load(_get(row, "translations")).get(lang, {}).get(field, "")
        if translated:
            return translated, lang
    return text, source


def text(row: Any, field: str, lang: str, *, original: str | None = None) -> str:
    return resolve(row, field, lang, original=original)[0]


# For templates: the reader's language is the request's (or the email's) current language. -------


def plain(row: Any, field: str, original: str | None = None) -> str:
    """`tx(row, "title")`: the text alone, for <title>, attributes and feeds' titles."""
    return text(row, field, current_language(), original=original)


def marked(row: Any, field: str, original: str | None = None) -> Markup:
    """`t(row, "title")`: the text, inside <span lang="…"> when it is not in the reader's language."""
    value, lang = resolve(row, field, current_language(), original=original)
    if lang == current_language() or not value:
        return escape(value)
    return Markup('<span lang="%s">%s</span>') % (lang, value)


def lang_attribute(row: Any, field: str, original: str | None = None) -> Markup:
    """`tlang(row, "description")`: ` lang="en"` for the element holding a fallback text, else ""."""
    value, lang = resolve(row, field, current_language(), original=original)
    if lang == current_language() or not value:
        return Markup("")
    return Markup(' lang="%s"') % lang


def localized(row: dict, fields: Any, lang: str, *, original: str | None = None) -> dict:
    """A copy of the row with `fields` in `lang` where it has them (for emails, feeds, badges)."""
    return row | {name: text(row, name, lang, original=original) for name in fields if name in row}


def clean_translations(
    errors: dict, value: Any, fields: dict[str, tuple[int, str]], *, original: str
) -> dict[str, dict[str, str]] | None:
    """Check submitted translations ({"fr": {"title": …}}) with the rules of the original text.

    Returns the cleaned translations (texts trimmed, empty ones dropped: "" removes a translation),
    or None after adding to `errors` under "translations.<lang>.<field>".
    """
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors["translations"] = gettext('Translations by language, e.g. {"fr": {…}}.')
        return None
    cleaned: dict[str, dict[str, str]] = {}
    ok = True
    for lang, texts in value.items():
        if lang not in LANGUAGES or lang == original:
            errors[f"translations.{lang}"] = gettext(
                "A translation is in one of: %(choices)s, other than the original language."
            ) % {"choices": ", ".join(x for x in LANGUAGES if x != original)}
            ok = False
            continue
        if not isinstance(texts, dict):
            errors[f"translations.{lang}"] = gettext("Must be an object of texts.")
            ok = False
            continue
        values = dict(texts)
        found: dict[str, str] = {}
        for name in values:
            if name not in fields:
                found[name] = gettext("Not a translatable field.")
        for name, (limit, lines) in fields.items():
            check_text(found, values, name, limit, required=False, lines=lines)  # type: ignore[arg-type]
        for name, problem in found.items():
            errors[f"translations.{lang}.{name}"] = problem
            ok = False
        cleaned[lang] = {k: v for k, v in values.items() if k in fields}
    return cleaned if ok else None


def check_translations(
    errors: dict, values: dict, fields: dict[str, tuple[int, str]], original: str, current: Any
) -> None:
    """Check `values["translations"]` in place, if given: cleaned by `clean_translations` and
    merged into `current`, so that it becomes the whole new set (or the error is in `errors`)."""
    if "translations" not in values:
        return
    cleaned = clean_translations(errors, values["translations"], fields, original=original)
    if cleaned is not None:
        values["translations"] = merge(current, cleaned)


def changes(row: dict, values: dict) -> dict:
    """The `values` that differ from the row's: what an update really changes (the row's stored
    translations are compared once loaded)."""
    return {
        k: v
        for k, v in values.items()
        if (load(row.get(k)) != v if k == "translations" else row.get(k) != v)
    }


def merge(current: Any, changes: dict[str, dict[str, str]]) -> dict[str, dict[str, str]]:
    """The translations after `changes`: a text replaces, an empty text removes."""
    merged = {lang: dict(texts) for lang, texts in load(current).items()}
    for lang, texts in changes.items():
        target = merged.setdefault(lang, {})
        for name, value in texts.items():
            if value:
                target[name] = value
            else:
                target.pop(name, None)
        if not target:
            merged.pop(lang)
    return merged


def language_name(code: str) -> str:
    """The language's name in the reader's language (organizers' forms)."""
    names = {"en": gettext("English"), "fr": gettext("French"), "es": gettext("Spanish")}
    return names.get(code, code)


def other_languages(original: str) -> tuple[str, ...]:
    """The languages a translation may be in: ours but the original."""
    return tuple(lang for lang in LANGUAGES if lang != original)


def form_field(lang: str, name: str) -> str:
    """The form field (and error key) of a translation: "translations.fr.title"."""
    return f"translations.{lang}.{name}"


def from_form(form: dict[str, str], fields: Any, original: str) -> dict[str, dict[str, str]] | None:
    """The translations an organizer's form sends (every field, "" for an empty one: that
    removes it), or None when the form has no translation fields at all."""
    found = {
        lang: {
            name: form[form_field(lang, name)] for name in fields if form_field(lang, name) in form
        }
        for lang in other_languages(original)
    }
    found = {lang: texts for lang, texts in found.items() if texts}
    return found or None


def to_form(row: Any, fields: Any) -> dict[str, str]:
    """A row's translations as form values keyed by `form_field`."""
    return {
        form_field(lang, name): value
        for lang, texts in load(_get(row, "translations")).items()
        for name, value in texts.items()
        if name in fields
    }


def meeting_zone(meeting: Any) -> str:
    """`meeting_zone(meeting)`: the clock the meeting's times are in, named after the meeting's
    own city in the reader's language ("heure de Genève (UTC+2)") when it meets in a room, with
    the offset on its first day; an online meeting's zone keeps its usual name."""
    city = plain(meeting, "city") if _get(meeting, "mode") != "online" else ""
    return zone_name(_get(meeting, "timezone"), _get(meeting, "starts_on"), city=city)


# Meeting content in the reader's language, for the pages' Jinja environment: t() marks a fallback
# with lang="…", tx() is the bare text, tlang() the attribute for an element.
TEMPLATE_GLOBALS = {
    "meeting_zone": meeting_zone,
    "t": marked,
    "tx": plain,
    "tlang": lang_attribute,
    "language_name": language_name,
    "other_languages": other_languages,
}
