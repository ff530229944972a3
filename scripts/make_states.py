"""Write src/idmevents/data/states.json: the States as the United Nations names them.

A development tool, not imported by the application. Run it from the repository root:

    pip install -e '.[dev]'
    python scripts/make_states.py

and commit the regenerated file. Rerunning it on the same inputs rewrites the file byte for byte
(entries sorted by code, fixed key order, ``indent=1``, ``ensure_ascii=False``), so ``git diff``
shows only real changes.

Source of the names and of UN status
------------------------------------
OCHA's Countries & Territories Taxonomy, as shipped inside the hdx-python-country package
(``hdx.location.country.Country``, read with ``use_live=False`` so the packaged file is used and
the network is never touched; the file was last generated from hdx-python-country 4.2.5). The
columns read are:

- ``Appears in UNTERM list`` (Y or empty): the States on UNTERM's country-name list;
- ``Appears in DGACM list`` (Y or empty): the 193 UN Member States;
- ``ISO 3166-1 Alpha 2-Codes``, ``ISO 3166-1 Alpha 3-Codes``;
- ``English Short``, ``French Short``, ``Spanish Short``: the UNTERM short names (the taxonomy also
  has Russian, Chinese and Arabic short names, the M49 names and a "Preferred Term"; they are not
  used).

The taxonomy puts 197 entries on the UNTERM list: the 193 Member States, the two non-member
observer States (Holy See, State of Palestine) and two more that UNTERM lists but that are neither
Members nor observer States of the UN: the Cook Islands and Niue, self-governing in free
association with New Zealand. The International Dialogue on Migration seats "the 193 UN Member
States and the 2 observer States", so those two are left out (``LEFT_OUT`` below); a delegation
from either can still register under another category, whose country list is the CLDR one in
idmevents.registrations.countries.

Names are copied as the taxonomy has them, with one normalisation: the typographic apostrophe
(U+2019) becomes the ASCII one, which the taxonomy already uses everywhere else (only the Spanish
"Côte d’Ivoire" had U+2019), so that searching and comparing names never trips on two apostrophes.

Nauru: UNTERM (and so the taxonomy) names it "Naoero" in all three languages, after Nauru informed
the UN on 26 June 2026 that its name is now the Republic of Naoero (French and Spanish forms were
announced as forthcoming). The file follows UNTERM.

IOM status (``IOM_NOT_MEMBER`` below)
-------------------------------------
The taxonomy says nothing about the International Organization for Migration, so IOM status is
kept by hand in this script: every State is an IOM Member State unless ``IOM_NOT_MEMBER`` says
otherwise. IOM's own list (https://www.iom.int/member-states) could not be read from here; the
table was checked on 2026-12-05 against these sources:

- The membership section of the English Wikipedia article "International Organization for
  Migration" ("As of 2023 ... 175 member states and 8 observer states"), which names the 175
  Members, the 8 observer States (Bahrain, Bhutan, Indonesia, Kuwait, Malaysia, Qatar, San Marino,
  Saudi Arabia) and, as non-members, Brunei, Equatorial Guinea, Iraq, Lebanon, North Korea, Oman,
  Singapore, Syria and the United Arab Emirates. Andorra, Liechtenstein, Monaco and the State of
  Palestine are on none of its lists.
- IOM's own count, "175 member states" (the header of every iom.int page, 2024-2025), which that
  list matches: 173 UN Member States, the Holy See and the Cook Islands.
- The admissions that make up the count: the Holy See, Nauru and twelve others in December 2011;
  Saint Lucia, Saint Kitts and Nevis, Kiribati, Eritrea and Sao Tome and Principe in November 2015;
  China, Tuvalu and Solomon Islands in June 2016 (165); Cuba and the Cook Islands in November 2017,
  when Kuwait became an observer; Uzbekistan, the 173rd, in November 2018 (iom.int news); the
  Russian Federation, an observer before, in November 2020 (TASS, 24 November 2020); Barbados, the
  175th, in November 2022. Iraq said in November 2015 that it wished to join; no admission followed.
- https://iom.int/eligible-member-states-line-2: the "List of IOM Member States Eligible for
  Allocations from the IOM Development Fund (Line 2), by Region, August 2024" (111 Members; the
  copy read shows 103 of them). Those 103 are ``IOM_LINE_2_MEMBERS`` below, and the build fails if
  any of them is not a Member here.
- Nicaragua notified its withdrawal under Article 3 of the IOM Constitution on 27 February 2025
  (its Foreign Ministry's letter to the Director General, reported by Infobae, 1 March 2025).
  Article 3 makes a withdrawal effective at the end of the financial year when notice arrives at
  least four months before it, so Nicaragua left IOM on 31 December 2025.

With the table, 173 of the 195 States here are IOM Members (174 with the Cook Islands, which is not
listed: see ``LEFT_OUT``), 8 are observers and 14 are neither. The least certain entries are
Liechtenstein and Monaco, marked as neither because no source lists them as Members or observers.
When IOM admits a State or one leaves, change the table and rerun this script (and the counts in
tests/unit/test_states.py).
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUTPUT = ROOT / "src" / "idmevents" / "data" / "states.json"

LANGUAGES = {"en": "English Short", "fr": "French Short", "es": "Spanish Short"}

# Non-member States holding a standing invitation as observers in the General Assembly.
UN_OBSERVER_STATES = frozenset({"PS", "VA"})

# On UNTERM's list but neither UN Member States nor UN observer States.
LEFT_OUT = {
    "CK": "Cook Islands: self-governing in free association with New Zealand; not a UN Member",
    "NU": "Niue: self-governing in free association with New Zealand; not a UN Member",
}

# IOM status of the States that are NOT IOM Member States ("observer", or None for neither).
# Every other State in the file is an IOM Member State. See the module docstring for the sources.
IOM_NOT_MEMBER: dict[str, str | None] = {
    # The 8 IOM observer States.
    "BH": "observer",  # Bahrain
    "BT": "observer",  # Bhutan
    "ID": "observer",  # Indonesia
    "KW": "observer",  # Kuwait (observer since 2017)
    "MY": "observer",  # Malaysia
    "QA": "observer",  # Qatar
    "SA": "observer",  # Saudi Arabia
    "SM": "observer",  # San Marino
    # Neither Members nor observers.
    "AD": None,  # Andorra
    "AE": None,  # United Arab Emirates
    "BN": None,  # Brunei Darussalam
    "GQ": None,  # Equatorial Guinea
    "IQ": None,  # Iraq
    "KP": None,  # Democratic People's Republic of Korea
    "LB": None,  # Lebanon
    "LI": None,  # Liechtenstein
    "MC": None,  # Monaco
    "NI": None,  # Nicaragua: withdrew, effective 31 December 2025
    "OM": None,  # Oman
    "PS": None,  # State of Palestine
    "SG": None,  # Singapore
    "SY": None,  # Syrian Arab Republic
    # The Holy See IS an IOM Member State (since 2011), as is every State not listed here.
}


# IOM Member States confirmed by iom.int/eligible-member-states-line-2 (August 2024), as read:
# the 45 of Africa, the 31 of Asia and Oceania, the 21 of Latin America and the Caribbean and the
# first 6 of Europe. Each must be an IOM Member State here.
IOM_LINE_2_MEMBERS = frozenset(
    [
        "AF",
        "AL",
        "AM",
        "AO",
        "AR",
        "AZ",
        "BA",
        "BD",
        "BF",
        "BI",
        "BJ",
        "BO",
        "BR",
        "BW",
        "BY",
        "BZ",
        "CD",
        "CF",
        "CI",
        "CM",
        "CN",
        "CO",
        "CR",
        "CU",
        "CV",
        "DJ",
        "DM",
        "DO",
        "DZ",
        "EC",
        "EG",
        "ER",
        "ET",
        "FJ",
        "FM",
        "GA",
        "GD",
        "GE",
        "GH",
        "GM",
        "GN",
        "GT",
        "GW",
        "HN",
        "HT",
        "IN",
        "JM",
        "KE",
        "KG",
        "KH",
        "KI",
        "KM",
        "KZ",
        "LA",
        "LK",
        "LS",
        "LY",
        "MA",
        "MG",
        "MH",
        "ML",
        "MM",
        "MN",
        "MR",
        "MU",
        "MV",
        "MW",
        "MX",
        "MZ",
        "NA",
        "NE",
        "NP",
        "PE",
        "PH",
        "PK",
        "PW",
        "PY",
        "RW",
        "SB",
        "SL",
        "SO",
        "SR",
        "ST",
        "SV",
        "SZ",
        "TG",
        "TH",
        "TJ",
        "TL",
        "TM",
        "TN",
        "TO",
        "TV",
        "TZ",
        "UG",
        "UZ",
        "VC",
        "VN",
        "VU",
        "WS",
        "ZA",
        "ZM",
        "ZW",
    ]
)


def _taxonomy() -> list[dict[str, str]]:
    from hdx.location.country import Country

    return list(Country.countriesdata(use_live=False)["countries"].values())


def _clean(name: str) -> str:
    return name.strip().replace("\u2019", "'")


def build_states(rows: list[dict[str, str]] | None = None) -> list[dict]:
    """The entries of states.json, sorted by ISO 3166-1 alpha-2 code."""
    rows = _taxonomy() if rows is None else rows
    unterm = {row["ISO 3166-1 Alpha 2-Codes"]: row for row in rows if row["Appears in UNTERM list"]}
    members = {code for code, row in unterm.items() if row["Appears in DGACM list"]}
    # Fail loudly when the taxonomy changes what this script assumes; then review the tables above.
    if len(members) != 193:
        raise SystemExit(f"expected 193 UN Member States on the DGACM list, found {len(members)}")
    unexpected = set(unterm) - members - UN_OBSERVER_STATES - set(LEFT_OUT)
    missing = (UN_OBSERVER_STATES | set(LEFT_OUT)) - (set(unterm) - members)
    if unexpected or missing:
        raise SystemExit(
            f"UNTERM list changed: not accounted for {sorted(unexpected)}, gone {sorted(missing)}"
        )
    if stale := set(IOM_NOT_MEMBER) - set(unterm) - set(LEFT_OUT):
        raise SystemExit(f"IOM_NOT_MEMBER names codes that are not States: {sorted(stale)}")
    if contradicted := IOM_LINE_2_MEMBERS & set(IOM_NOT_MEMBER):
        raise SystemExit(f"iom.int lists these as IOM Members: {sorted(contradicted)}")

    states = []
    for code in sorted(set(unterm) - set(LEFT_OUT)):
        row = unterm[code]
        names = {language: _clean(row[column]) for language, column in LANGUAGES.items()}
        if not all(names.values()):
            raise SystemExit(f"{code} lacks a name: {names}")
        states.append(
            {
                "code": code,
                "iso3": row["ISO 3166-1 Alpha 3-Codes"],
                "names": names,
                "un": "member" if code in members else "observer",
                "iom": IOM_NOT_MEMBER.get(code, "member"),
            }
        )
    return states


def render(states: list[dict]) -> str:
    return json.dumps(states, ensure_ascii=False, indent=1) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=OUTPUT, help=f"default: {OUTPUT}")
    arguments = parser.parse_args(argv)
    states = build_states()
    arguments.output.parent.mkdir(parents=True, exist_ok=True)
    arguments.output.write_text(render(states), encoding="utf-8", newline="\n")
    count = {
        status: sum(state["iom"] == status for state in states)
        for status in ("member", "observer", None)
    }
    print(
        f"wrote {len(states)} States to {arguments.output}: "
        f"{sum(state['un'] == 'member' for state in states)} UN Members; "
        f"IOM {count['member']} Members (+ the Cook Islands, not listed), "
        f"{count['observer']} observers, {count[None]} neither",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
