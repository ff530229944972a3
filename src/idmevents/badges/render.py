"""What a badge shows, its QR code, and sheets of badges rendered to PDF with WeasyPrint.

The badge is one template, `badges/_badge.html.jinja2`, styled by `static/badge.css`: the page at
`/r/{token}/badge` includes it, and so do the PDF sheets, so a badge looks the same printed from
the browser or from a batch.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import date

import segno
from jinja2 import Environment
from markupsafe import Markup

from idmevents import content, i18n, templating
from idmevents.badges import codes
from idmevents.badges.layout import SheetLayout, pages_needed
from idmevents.records import copy_fields
from idmevents.registrations import countries
from idmevents.registrations.labels import holder_name
from idmevents.settings import STATIC_DIR

# The band's colour for each category; white text on each meets WCAG AA (≥ 4.5:1). The band also
# carries the category's name, so colour is never the only cue.
CATEGORY_COLOURS = {
    "member-state": "#0b4f8a",
    "observer": "#6a3d9a",
    "un-igo": "#00607a",
    "civil-society": "#1d6b35",
    "academia": "#7a4a00",
    "private-sector": "#3d4852",
    "media": "#b00020",
    "iom": "#2b2d7a",
}
OTHER_COLOUR = "#1b2733"


def category_labels() -> dict[str, str]:
    """The categories' short names, as the badge band and the desk show them, in the current language."""
    gettext = i18n.gettext
    return {
        "member-state": gettext("Member State"),
        "observer": gettext("Observer"),
        "un-igo": gettext("UN / IGO"),
        "civil-society": gettext("Civil society"),
        "academia": gettext("Academia"),
        "private-sector": gettext("Private sector"),
        "media": gettext("Media"),
        "iom": gettext("IOM"),
    }


def category_label(category: str) -> str:
    return category_labels().get(category) or category.replace("-", " ").capitalize()


def category_colour(category: str) -> str:
    return CATEGORY_COLOURS.get(category, OTHER_COLOUR)


def category_class(category: str) -> str:
    """The class that gives an element its category's colour (`static/categories.css`): pages
    allow no inline style (the CSP), so the colour is a class, never a `style` attribute."""
    return f"category-{category}" if category in CATEGORY_COLOURS else "category-other"


def country_name(code: str) -> str:
    """The country's name in the current language, a State's as the UN writes it (as on every
    page and list: registrations.countries), or "" when none is set."""
    return countries.country_name((code or "").upper(), i18n.current_language())


def name_size(given_name: str, family_name: str) -> str:
    """A type size that keeps the longer name line on the badge: xl, l, m or s."""
    longest = max(len(given_name), len(family_name))
    if longest <= 12:
        return "xl"
    if longest <= 16:
        return "l"
    if longest <= 22:
        return "m"
    return "s"


QR_BORDER = 4  # the quiet zone scanners need, in modules


def qr_svg(code: str) -> Markup:
    """The code as an inline SVG QR code (alphanumeric mode, error correction M), sized by CSS.

    Drawn as filled runs of dark modules on a white square, rather than segno's stroked lines,
    so that renderers leave no hairline seams between rows at print resolution.
    """
    qr = segno.make(code, error="m", micro=False, boost_error=False)
    runs = []
    for y, row in enumerate(qr.matrix_iter(border=QR_BORDER)):
        x = 0
        row = list(row)
        while x < len(row):
            if row[x]:
                start = x
                while x < len(row) and row[x]:
                    x += 1
                runs.append(f"M{start} {y}h{x - start}v1h-{x - start}z")
            else:
                x += 1
    size = qr.symbol_size(border=QR_BORDER)[0]
    # The code is written out beside the image: the image itself is decoration to a screen reader.
    return Markup(
        f'<svg class="badge-qr-image" viewBox="0 0 {size} {size}" aria-hidden="true" '
        f'focusable="false" shape-rendering="crispEdges">'
        f'<rect width="{size}" height="{size}" fill="#fff"/>'
        f'<path fill="#000" d="{"".join(runs)}"/></svg>'
    )


def qr_png_data_uri(code: str) -> str:
    """The QR code as a PNG of one pixel per module, for the PDF sheets.

    WeasyPrint parses SVG paths slowly (a third of the time of a sheet of badges); a 29 × 29 pixel
    PNG scaled without smoothing (`image-rendering: pixelated`) prints the same sharp modules.
    """
    qr = segno.make(code, error="m", micro=False, boost_error=False)
    return qr.png_data_uri(scale=1, border=QR_BORDER)


@dataclass(frozen=True)
class BadgeView:
    registration_id: int
    honorific: str
    given_name: str
    family_name: str
    organization: str
    country: str
    delegation: str  # the State's or organization's name, for a member of a delegation
    category: str
    category_label: str
    colour_class: str
    name_size: str
    meeting_title: str
    meeting_city: str
    starts_on: date
    ends_on: date
    code: str

    @property
    def full_name(self) -> str:
        return f"{self.given_name} {self.family_name}".strip()

    @property
    def code_display(self) -> str:
        return codes.display(self.code)

    @property
    def qr(self) -> Markup:
        return qr_svg(self.code)

    @property
    def qr_png(self) -> str:
        return qr_png_data_uri(self.code)


def badge_view(
    registration: dict, meeting: dict, secret_key: str, hold: dict | None = None
) -> BadgeView:
    """The badge of a registration row that has its `checkin_id`; `hold` is the row of the held
    seats a delegate was named into (`services.holds_of`), whose State or organization the
    badge names instead of the person's own organization and country."""
    return copy_fields(
        BadgeView,
        registration,
        registration_id=registration["id"],
        country=country_name(registration["country"]),
        delegation=holder_name(hold, i18n.current_language()) if hold else "",
        category_label=category_label(registration["category"]),
        colour_class=category_class(registration["category"]),
        name_size=name_size(registration["given_name"], registration["family_name"]),
        # In the badge's language, like its labels and the country (idmevents.content).
        meeting_title=content.text(meeting, "title", i18n.current_language()),
        meeting_city=content.text(meeting, "city", i18n.current_language()),
        starts_on=meeting["starts_on"],
        ends_on=meeting["ends_on"],
        code=codes.make_code(registration["checkin_id"], meeting["id"], secret_key),
    )


@functools.cache
def _environment() -> Environment:
    return templating.environment()


def sheets_html(badges: list[BadgeView], layout: SheetLayout, title: str) -> str:
    """The sheets' HTML; its styles are `sheet_css(layout)`, given to WeasyPrint beside it."""
    per_page = layout.per_page
    pages = [
        badges[i * per_page : (i + 1) * per_page] for i in range(pages_needed(len(badges), layout))
    ]
    return (
        _environment()
        .get_template("badges/sheets.html.jinja2")
        .render(pages=pages, layout=layout, title=title, language=i18n.current_language())
    )


def sheet_css(layout: SheetLayout) -> str:
    """badge.css, the category colours, the page's size, and the place of each slot and cut mark
    of `layout`."""
    rules = [
        (STATIC_DIR / "badge.css").read_text(),
        (STATIC_DIR / "categories.css").read_text(),
        f"@page {{ size: {layout.page_width}mm {layout.page_height}mm; margin: 0; }}",
        "html, body { margin: 0; padding: 0; }",
        f".sheet {{ position: relative; width: {layout.page_width}mm; "
        f"height: {layout.page_height}mm; overflow: hidden; page-break-after: always; }}",
        ".sheet:last-child { page-break-after: auto; }",
        f".slot {{ position: absolute; width: {layout.badge_width}mm; "
        f"height: {layout.badge_height}mm; }}",
        ".cut-mark { position: absolute; background: #000; }",
    ]
    rules += [
        f".slot-{i} {{ left: {left:.2f}mm; top: {top:.2f}mm; }}"
        for i, (left, top) in enumerate(layout.slots)
    ]
    rules += [
        f".cut-mark-{i} {{ left: {m.left:.2f}mm; top: {m.top:.2f}mm; "
        f"width: {m.width:.2f}mm; height: {m.height:.2f}mm; }}"
        for i, m in enumerate(layout.marks)
    ]
    return "\n".join(rules)


@functools.cache
def _font_config():
    from weasyprint.text.fonts import FontConfiguration

    return FontConfiguration()


@functools.lru_cache(maxsize=16)
def sheet_stylesheet(layout: SheetLayout):
    """`sheet_css(layout)` parsed once per process: a batch's pool process renders many chunks."""
    from weasyprint import CSS

    return CSS(string=sheet_css(layout), base_url=str(STATIC_DIR), font_config=_font_config())


def sheets_pdf(badges: list[BadgeView], layout: SheetLayout, title: str) -> bytes:
    """The PDF of `badges`, `layout.per_page` to a page. CPU-bound: run it in a thread."""
    from weasyprint import HTML  # imported here: it loads Pango, which the web pages never need

    html = sheets_html(badges, layout, title)
    return HTML(string=html, base_url=str(STATIC_DIR)).write_pdf(
        stylesheets=[sheet_stylesheet(layout)], font_config=_font_config()
    )
