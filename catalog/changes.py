"""The register's change events, in one order that a follower can resume from (`/api/changes/`).

Two tables record what happens to an item, each numbered by its own ever-growing id: `Transfer`
(the status events: transferred, accepted, returned, cancelled, devolved) and the item's audit
history (created, and each edited field: renamed for the name, changed for any other). Status changes
are taken from the events alone: `approvals.bulk.record` changes the status without a history row, and
the history rows `effective.apply_due` writes for a dated event repeat what its event already says.

The feed merges the two, each in the order of its ids, by the moment each row was recorded. A cursor
says how far the follower has read in both: the last event id, the last history id, and how many of
that history row's events (one per edited field) were given. The rest is what lies after both marks,
merged the same way, so that pages join without gap or repeat whatever their size. An event's
`edition` is the first published edition of its jurisdiction published after the event was recorded:
the first that can show it (null until there is one).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass

from django.db.models import OuterRef, Subquery
from django.utils import timezone

from approvals.models import ApprovalItem, Jurisdiction, Transfer
from catalog.models import Edition

CURSOR = re.compile(r"([0-9]{1,18})\.([0-9]{1,18})\.([0-9]{1,3})")
CURSOR_PATTERN = r"^[0-9]{1,18}\.[0-9]{1,18}\.[0-9]{1,3}$"
START = (0, 0, 0)

KINDS = {
    Transfer.Kind.TRANSFER: "transferred",
    Transfer.Kind.ACCEPT: "accepted",
    Transfer.Kind.RETURN: "returned",
    Transfer.Kind.CANCEL: "cancelled",
    Transfer.Kind.DEVOLVE: "devolved",
}
CREATED, RENAMED, CHANGED = "created", "renamed", "changed"
ALL_KINDS = (CREATED, *KINDS.values(), RENAMED, CHANGED)

# Fields whose change is not an edit: the status and intake follow the events, the rest are bookkeeping.
_NOT_EDITS = {"id", "status", "intake", "created_at", "jurisdiction", "code"}


@dataclass(frozen=True)
class ChangeEvent:
    cursor: str
    item: str
    kind: str
    field: str | None
    effective_on: datetime.date | None
    recorded_at: datetime.datetime
    document: str | None
    edition: str | None


def parse_cursor(text: str) -> tuple[int, int, int] | None:
    """The (event id, history id, events of that history row) a cursor stands for; None if it is not one."""
    match = CURSOR.fullmatch(text)
    return tuple(int(part) for part in match.groups()) if match else None


def _cursor(transfer_id: int, history_id: int, given: int) -> str:
    return f"{transfer_id}.{history_id}.{given}"


def _edited_fields() -> list[str]:
    return [
        field.attname
        for field in ApprovalItem.history.model._meta.concrete_fields
        if not field.name.startswith("history_") and field.name not in _NOT_EDITS
    ]


def _history_events(row, previous) -> list[tuple[str, str | None]]:
    """(kind, field) of one history row: created, or each field that differs from the row before it."""
    if row.history_type == "+":
        return [(CREATED, None)]
    if row.history_type != "~" or previous is None:
        return []
    events = []
    for name in _edited_fields():
        if getattr(row, name) != getattr(previous, name):
            field = name.removesuffix("_id")
            events.append((RENAMED, None) if field == "name" else (CHANGED, field))
    return events


def changes_since(
    cursor: tuple[int, int, int], *, jurisdiction: Jurisdiction | None, limit: int
) -> tuple[list[ChangeEvent], bool]:
    """Up to `limit` events after `cursor` (of one jurisdiction, or every one when None), and whether more follow.

    A few queries whatever the page size: the events, the history rows and the rows before them, the editions.
    """
    transfer_mark, history_mark, given = cursor
    transfers = Transfer.objects.filter(pk__gt=transfer_mark).select_related("item", "document").order_by("pk")
    history = ApprovalItem.history.filter(history_type__in=("+", "~")).order_by("history_id")
    if jurisdiction is not None:
        transfers = transfers.filter(item__jurisdiction=jurisdiction)
        history = history.filter(jurisdiction_id=jurisdiction.pk)
    events = list(transfers[: limit + 1])
    edits = _edits_after(history, history_mark, given, limit + 1)
    # Merging two ordered lists: the first limit + 1 of the merge come from the first limit + 1 of each.
    merged: list = []
    t = h = 0
    while len(merged) < limit + 1 and (t < len(events) or h < len(edits)):
        if h >= len(edits) or (t < len(events) and events[t].recorded_at <= edits[h][0].history_date):
            merged.append(events[t])
            t += 1
        else:
            merged.append(edits[h])
            h += 1
    return _as_events(merged[:limit], transfer_mark, history_mark, given), len(merged) > limit


def _edits_after(history, history_mark: int, given: int, wanted: int) -> list[tuple]:
    """The history's events after the mark, at least `wanted` of them unless there are fewer.

    Read by chunks: a row with no edit (the status `apply_due` sets) yields none.
    """
    previous_row = (
        ApprovalItem.history.filter(id=OuterRef("id"), history_id__lt=OuterRef("history_id"))
        .order_by("-history_id")
        .values("history_id")[:1]
    )
    history = history.annotate(previous_id=Subquery(previous_row))
    edits: list[tuple] = []
    mark, after = history_mark, "history_id__gte"  # the marked row again: some of its events may be left
    while len(edits) < wanted:
        rows = list(history.filter(**{after: mark})[:wanted])
        if not rows:
            break
        ids = [row.previous_id for row in rows if row.previous_id]
        before = ApprovalItem.history.in_bulk(ids, field_name="history_id")
        for row in rows:
            for index, (kind, field) in enumerate(_history_events(row, before.get(row.previous_id))):
                if row.history_id == history_mark and index < given:
                    continue  # given on an earlier page
                edits.append((row, index, kind, field))
        mark, after = rows[-1].history_id, "history_id__gt"
        if len(rows) < wanted:
            break
    return edits


def _as_events(merged: list, transfer_mark: int, history_mark: int, given: int) -> list[ChangeEvent]:
    editions = list(Edition.objects.in_publication_order().values_list("jurisdiction_id", "published_at", "slug"))

    def first_edition(jurisdiction_id: int, recorded_at: datetime.datetime) -> str | None:
        for place, published_at, slug in editions:
            if place == jurisdiction_id and published_at and published_at >= recorded_at:
                return slug
        return None

    out = []
    for entry in merged:
        if isinstance(entry, Transfer):
            transfer_mark = entry.pk
            out.append(
                ChangeEvent(
                    cursor=_cursor(transfer_mark, history_mark, given),
                    item=entry.item.code,
                    kind=KINDS[entry.kind],
                    field=None,
                    effective_on=entry.effective_on,
                    recorded_at=entry.recorded_at,
                    document=entry.document.number if entry.document_id else None,
                    edition=first_edition(entry.item.jurisdiction_id, entry.recorded_at),
                )
            )
            continue
        row, index, kind, field = entry
        history_mark, given = row.history_id, index + 1
        out.append(
            ChangeEvent(
                cursor=_cursor(transfer_mark, history_mark, given),
                item=row.code,
                kind=kind,
                field=field,
                effective_on=timezone.localdate(row.history_date),
                recorded_at=row.history_date,
                document=None,
                edition=first_edition(row.jurisdiction_id, row.history_date),
            )
        )
    return out
