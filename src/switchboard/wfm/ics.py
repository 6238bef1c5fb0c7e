"""Published shifts as an iCalendar file (RFC 5545) an agent can subscribe to or import.

Written with the `icalendar` library, which does the escaping, line folding at 75
octets and CRLF line ends the RFC requires. One VEVENT per shift; breaks, lunches and
meetings are listed in the description (calendar apps show nested activities badly).
Times are UTC (`Z`): every calendar shows them in its owner's zone, DST included.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from icalendar import Calendar, Event

from switchboard.wfm.adherence import ScheduledActivity
from switchboard.wfm.models import Shift

PRODUCT_ID = "-//Switchboard//Workforce schedule//EN"


def shifts_to_icalendar(shifts: Sequence[Shift], *, now: datetime, host: str) -> bytes:
    """The shifts as one VCALENDAR. UIDs are stable per shift, so re-importing updates
    events instead of duplicating them; `now` stamps DTSTAMP."""
    calendar = Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", "PUBLISH")
    calendar.add("x-wr-calname", "Switchboard shifts")
    for shift in shifts:
        event = Event()
        event.add("uid", f"shift-{shift.id}@{host}")
        event.add("dtstamp", now)
        event.add("dtstart", shift.starts_at)
        event.add("dtend", shift.ends_at)
        event.add("summary", f"Shift ({shift.template})")
        lines = [
            f"{activity.activity.value.capitalize()}: {activity.starts_at:%H:%M}–{activity.ends_at:%H:%M} UTC"
            for activity in shift.activities
            if activity.activity is not ScheduledActivity.WORK
        ]
        if lines:
            event.add("description", "\n".join(lines))
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    payload: bytes = calendar.to_ical()
    return payload
