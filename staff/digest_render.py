"""How the staff summary reads in a chat: short lines from the catalogue, Bahasa Indonesia
unless asked otherwise, times in the area's own zone (WIB, WITA or WIT). What it counts is
`staff.digest`'s; who gets it, and when, is `staff.digest_schedule`'s."""

from __future__ import annotations

from collections.abc import Mapping

from conversations.catalogue import Language, catalogue
from conversations.flows.common import long_date
from conversations.kinds import NAMES as KIND_NAMES
from conversations.tickets import format_ticket
from conversations.timezones import zone_for_area
from staff.digest import Digest


def _counts(by_kind: Mapping[str, int], language: Language) -> str:
    """Every kind's count in the registry's order, zeros included ("usulan 3, sanggahan 1")."""
    cat = catalogue(language)
    return ", ".join(
        cat.text(
            "digest.kind_count", kind=cat.text(f"digest.kind.{kind}"), count=by_kind.get(kind, 0)
        )
        for kind in KIND_NAMES
    )


def render(digest: Digest, language: Language = "id") -> str:
    """Short lines for a chat; Bahasa Indonesia unless asked otherwise."""
    cat = catalogue(language)
    # Times as the reader's clock shows them (WIB, WITA or WIT).
    zone = zone_for_area(digest.area_code)
    local = digest.now.astimezone(zone)
    head = [
        cat.text("digest.title", area=digest.area_name),
        cat.text("digest.as_of", date=long_date(local.date(), language), time=f"{local:%H:%M}"),
    ]
    since = digest.since.astimezone(zone)
    since_text = f"{long_date(since.date(), language)} {since:%H:%M}"
    new: list[str]
    if digest.new_total:
        new = [
            cat.text(
                "digest.new",
                since=since_text,
                total=digest.new_total,
                counts=_counts(digest.new_by_kind, language),
            ),
            cat.text("digest.by_dusun" if digest.level == "village" else "digest.by_village"),
        ]
        for group in digest.new_groups:
            new.append(
                cat.text(
                    "digest.group_line",
                    name=group.name or cat.text("digest.no_dusun"),
                    counts=_counts(group.by_kind, language),
                )
            )
        if digest.new_groups_more:
            new.append(cat.text("digest.group_more", count=digest.new_groups_more))
    else:
        new = [cat.text("digest.new_none", since=since_text)]
    waiting = [cat.text("digest.waiting", count=digest.waiting)]
    meeting = digest.next_meeting
    if meeting is not None:
        held = meeting.held_on.astimezone(zone)
        waiting.append(
            cat.text(
                "digest.next_meeting",
                date=f"{long_date(held.date(), language)} {held:%H:%M}",
                place=meeting.place,
                village=meeting.village_name,
                agenda=meeting.agenda,
            )
        )
    else:
        waiting.append(cat.text("digest.no_meeting"))
        if digest.periodic_rule:
            waiting.append(cat.text("digest.periodic"))
    if digest.unclosed_meetings:
        waiting.append(cat.text("digest.unclosed", count=digest.unclosed_meetings))
    late: list[str]
    if digest.overdue_total:
        late = [cat.text("digest.overdue", count=digest.overdue_total)]
        for item in digest.overdue:
            late.append(
                cat.text(
                    "digest.overdue_line"
                    if item.count == "working"
                    else "digest.overdue_line_calendar",
                    ticket=format_ticket(item.ticket),
                    stage=item.stage.get(language),
                    days=item.days_over,
                    village=item.village_name,
                )
            )
        if digest.overdue_total > len(digest.overdue):
            late.append(
                cat.text("digest.overdue_more", count=digest.overdue_total - len(digest.overdue))
            )
    else:
        late = [cat.text("digest.overdue_none")]
    if digest.no_deadline:
        late.append(cat.text("digest.no_deadline", count=digest.no_deadline))
    if digest.withdrawn:
        late.append(cat.text("digest.withdrawn", count=digest.withdrawn))
    tail = [cat.text("digest.open_total", count=digest.open_total)]
    cutoff = long_date(digest.cutoff, language)
    if digest.cutoff_days == 0:
        tail.append(cat.text("digest.cutoff_today", date=cutoff))
    else:
        tail.append(cat.text("digest.cutoff", date=cutoff, days=digest.cutoff_days))
    parts = [late, new, waiting] if digest.overdue_first else [new, waiting, late]
    return "\n\n".join("\n".join(block) for block in [head, *parts, tail])
