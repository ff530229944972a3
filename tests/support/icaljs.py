"""Reading calendars back with ical.js (the parser of Thunderbird and of many web calendars).

ical.js is a Node package, not a Python one: `package.json` lists it among the devDependencies,
so `make test` (`npm ci`) puts it in the checkout's node_modules. It is looked for in
IDMEVENTS_ICALJS (a directory holding node_modules/ical.js), then there; tests that need it are
skipped without it (or without node), and say so.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

_SCRIPT = r"""
const ICAL = require(process.argv[1]);
let data = "";
process.stdin.on("data", (chunk) => (data += chunk));
process.stdin.on("end", () => {
  const calendar = new ICAL.Component(ICAL.parse(data));
  const events = calendar.getAllSubcomponents("vevent").map((component) => {
    const event = new ICAL.Event(component);
    const attendee = component.getFirstProperty("attendee");
    const conference = component.getFirstProperty("conference");
    return {
      uid: event.uid,
      sequence: event.sequence,
      start: event.startDate.toUnixTime(),
      end: event.endDate.toUnixTime(),
      status: component.getFirstPropertyValue("status"),
      organizer: component.getFirstPropertyValue("organizer"),
      attendee: attendee ? attendee.getFirstValue() : null,
      partstat: attendee ? attendee.getParameter("partstat") : null,
      conference: conference ? conference.getFirstValue() : null,
      conference_feature: conference ? conference.getParameter("feature") : null,
      description: component.getFirstPropertyValue("description"),
    };
  });
  process.stdout.write(JSON.stringify({ method: calendar.getFirstPropertyValue("method"), events }));
});
"""


def _module() -> Path | None:
    for base in (os.environ.get("IDMEVENTS_ICALJS"), str(ROOT)):
        if base:
            module = Path(base) / "node_modules" / "ical.js" / "dist" / "ical.es5.cjs"
            if module.exists():
                return module
    return None


def available() -> bool:
    return shutil.which("node") is not None and _module() is not None


def read_with_icaljs(data: bytes) -> dict:
    """The calendar's METHOD and its events (UID, SEQUENCE, start/end as Unix times, CONFERENCE
    and its FEATURE, DESCRIPTION...) as ical.js reads them."""
    node, module = shutil.which("node"), _module()
    if node is None or module is None:
        pytest.skip("ical.js is not installed (set IDMEVENTS_ICALJS; see tests/support/icaljs.py)")
    done = subprocess.run(
        [node, "-e", _SCRIPT, str(module)],
        input=data,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return json.loads(done.stdout)
