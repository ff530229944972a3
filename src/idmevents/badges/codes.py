"""Badge check-in codes: short, signed values that a USB scanner types and nobody can forge.

A code is 20 characters of Crockford base32 (digits and capitals without I, L, O, U), which a QR
code holds in alphanumeric mode at version 1 (21×21 modules: large modules at badge size) and a
scanner types followed by Enter:

    "1" + checkin_id (9 characters, 45 random bits) + tag (10 characters, 50 bits of HMAC-SHA256)

Why a random `Registration.checkin_id` rather than a value derived from the registration's id:
the code must lead back to its registration, and a derived value would have to carry the
sequential id in clear (the design rules out sequential ids on anything public) or be searched for
among every registration. A random id is looked up through a unique index, and replacing it voids a
lost badge without touching the private `/r/{token}` link, which the badge never shows.

Why a signature on top of a random id: the tag binds the code to its meeting and to this
installation's secret key, so a code from another meeting or another installation is told apart
from a mistyped or invented one, and guessing a code means guessing 95 bits, not 45.

The leading "1" is the format's version; it also tells a code from a name typed at the desk, since
names never start with a digit.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
VERSION = "1"
CHECKIN_ID_LENGTH = 9
TAG_LENGTH = 10
CODE_LENGTH = len(VERSION) + CHECKIN_ID_LENGTH + TAG_LENGTH
# Crockford's reading rules: letters people mistake for digits read as those digits.
_ALIASES = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = re.compile(r"[\s\-]+")
_CODE_SHAPE = re.compile(f"^{VERSION}[{ALPHABET}]{{{CODE_LENGTH - 1}}}$")
# The key is derived for this one purpose, so a signature made for sessions or CSRF tokens with
# the same secret can never pass for a check-in code, nor the other way round.
_KEY_PURPOSE = b"idmevents badge check-in code v1"


def new_checkin_id() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CHECKIN_ID_LENGTH))


def derive_key(secret_key: str) -> bytes:
    return hmac.new(secret_key.encode(), _KEY_PURPOSE, hashlib.sha256).digest()


def _encode(data: bytes, length: int) -> str:
    """The first `length` base32 digits of `data`, most significant bits first."""
    number = int.from_bytes(data, "big")
    bits = len(data) * 8
    return "".join(ALPHABET[(number >> (bits - 5 * (i + 1))) & 31] for i in range(length))


def _tag(key: bytes, checkin_id: str, meeting_id: int) -> str:
    message = f"checkin:{meeting_id}:{checkin_id}".encode()
    return _encode(hmac.new(key, message, hashlib.sha256).digest(), TAG_LENGTH)


def make_code(checkin_id: str, meeting_id: int, secret_key: str) -> str:
    return VERSION + checkin_id + _tag(derive_key(secret_key), checkin_id, meeting_id)


def normalize(text: str) -> str | None:
    """The code in `text` as typed by a scanner or a person, or None if it is not shaped like one.

    Accepts lower case, spaces and hyphens between groups, and O/I/L for 0/1; the first character
    must be the digit itself, so that a name never reads as a code.
    """
    text = text.strip()
    if not text.startswith(VERSION):
        return None
    candidate = _SEPARATORS.sub("", text).upper().translate(_ALIASES)
    return candidate if _CODE_SHAPE.match(candidate) else None


def checkin_id_of(code: str) -> str:
    """The random part of a normalized code."""
    return code[len(VERSION) : len(VERSION) + CHECKIN_ID_LENGTH]


def verify(code: str, meeting_id: int, secret_key: str) -> bool:
    """True if the normalized `code` was signed with this key for this meeting (constant time)."""
    if not _CODE_SHAPE.match(code):
        return False
    expected = make_code(checkin_id_of(code), meeting_id, secret_key)
    return hmac.compare_digest(expected.encode(), code.encode())


def display(code: str) -> str:
    """The code in groups of five, for people to read off a badge: 1ABCD-EFGHJ-KMNPQ-RSTVW."""
    return "-".join(code[i : i + 5] for i in range(0, len(code), 5))
