"""The register's change events, in one order that a follower can resume from (`/api/changes/`).

Two tables record what happens to an item, each numbered by its own ever-growing id: `Transfer`
(the status events: transferred, accepted, returned, cancelled, devolved) and the item's audit
history (created, and each edited field: renamed for the name, changed for any other). Status changes
are taken from the events alone: `approvals.bulk.record` changes the status without a history row, and
the history rows `effective.apply_due` writes for a dated event repeat what its event already says.

A third table records the item's departments: each link added, moved or removed has its history row, a
"changed" event of the field `departments` (the links written with a new item, `vocabulary.NEW_ITEM_LINK`, or
by loading the official data, `LOADED_REASON`, are part of the item's creation, and left out).

The feed merges the three, each in the order of its ids, by the moment each row was recorded. A cursor
says how far the follower has read in each: the last event id, the last history id, how many of that
history row's events (one per edited field) were given, and the last link-history id. The rest is what
lies after the marks, merged the same way, so that pages join without gap or repeat whatever their size.

A row committed late must not land behind a cursor already given: ids are taken when a row is written, and
a long transaction (an import) commits its low ids after others' higher ones. On PostgreSQL the feed
therefore gives only rows recorded before the oldest transaction still open (`settled_before`): any row
written later, or still uncommitted, has a later time and a higher id. SQLite has one writer at a time,
so its ids are committed in order. An event's
`edition` is the first published edition of its jurisdiction published after the event was recorded:
the first that can show it (null until there is one).
"""

from __future__ import annotations

import datetime
import heapq
import re
from dataclasses import dataclass

from django.db import connection
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from approvals.models import ApprovalItem, ItemDepartment, Jurisdiction, Transfer
from approvals.vocabulary import LOADED_REASON, NEW_ITEM_LINK
from catalog.models import Edition

CURSOR = re.compile(r"([0-9]{1,18})\.([0-9]{1,18})\.([0-9]{1,3})\.([0-9]{1,18})")
CURSOR_PATTERN = r"^[0-9]{1,18}\.[0-9]{1,18}\.[0-9]{1,3}\.[0-9]{1,18}$"
START = (0, 0, 0, 0)
# Python's clock (the rows' times) and the database's (the transactions' start) may differ a little.
SETTLE_MARGIN = datetime.timedelta(seconds=2)

KINDS = {
    Transfer.Kind.TRANSFER: "transferred",
    Transfer.Kind.ACCEPT: "accepted",
    Transfer.Kind.RETURN: "returned",
    Transfer.Kind.CANCEL: "cancelled",
    Transfer.Kind.DEVOLVE: "devolved",
}
CREATED, RENAMED, CHANGED = "created", "renamed", "changed"
DEPARTMENTS = "departments"  # the field a department link's change is reported as
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


def parse_cursor(text: str) -> tuple[int, int, int, int] | None:
    """The (event id, history id, events of that history row, link-history id) a cursor stands for; None if it
    is not one."""
    match = CURSOR.fullmatch(text)
    return tuple(int(part) for part in match.groups()) if match else None


def _cursor(marks: dict) -> str:
    return f"{marks['transfer']}.{marks['history']}.{marks['given']}.{marks['link']}"


def settled_before() -> datetime.datetime | None:
    """PostgreSQL: the start of the oldest transaction still open on this database (other than this one), less
    a margin; nothing recorded before it can still be committed. None on SQLite (no limit needed).

    pg_stat_activity shows the transactions of the same database role, which every web worker shares."""
    if connection.vendor != "postgresql":
        return None
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(xact_start) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid() AND xact_start IS NOT NULL"
        )
        oldest = cursor.fetchone()[0]
    now = timezone.now()
    return min(oldest, now) - SETTLE_MARGIN if oldest else now - SETTLE_MARGIN


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
    cursor: tuple[int, int, int, int], *, jurisdiction: Jurisdiction | None, limit: int
) -> tuple[list[ChangeEvent], bool]:
    """Up to `limit` events after `cursor` (of one jurisdiction, or every one when None), and whether more follow.

    A few queries whatever the page size: the events, the history rows and the rows before them, the link
    history, the editions.
    """
    transfer_mark, history_mark, given, link_mark = cursor
    transfers = Transfer.objects.filter(pk__gt=transfer_mark).select_related("item", "document").order_by("pk")
    history = ApprovalItem.history.filter(history_type__in=("+", "~")).order_by("history_id")
    links = (
        ItemDepartment.history.filter(history_id__gt=link_mark)
        .exclude(history_change_reason__in=(NEW_ITEM_LINK, LOADED_REASON))
        .select_related("item")
        .order_by("history_id")
    )
    if jurisdiction is not None:
        transfers = transfers.filter(item__jurisdiction=jurisdiction)
        history = history.filter(jurisdiction_id=jurisdiction.pk)
        links = links.filter(item__jurisdiction=jurisdiction)
    horizon = settled_before()
    if horizon is not None:
        transfers = transfers.filter(recorded_at__lt=horizon)
        history = history.filter(history_date__lt=horizon)
        links = links.filter(history_date__lt=horizon)
    streams = (
        ((entry.recorded_at, entry) for entry in transfers[: limit + 1]),
        ((entry[0].history_date, entry) for entry in _edits_after(history, history_mark, given, limit + 1)),
        ((entry.history_date, entry) for entry in links[: limit + 1]),
    )
    # Merging ordered lists: the first limit + 1 of the merge come from the first limit + 1 of each; at the same
    # moment, an event before an edit before a link (heapq.merge keeps the streams' order on a tie).
    merged = [entry for _moment, entry in heapq.merge(*streams, key=lambda pair: pair[0])][: limit + 1]
    marks = {"transfer": transfer_mark, "history": history_mark, "given": given, "link": link_mark}
    return _as_events(merged[:limit], marks), len(merged) > limit


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


def _as_events(merged: list, marks: dict) -> list[ChangeEvent]:
    editions = list(Edition.objects.in_publication_order().values_list("jurisdiction_id", "published_at", "slug"))

    def first_edition(jurisdiction_id: int, recorded_at: datetime.datetime) -> str | None:
        for place, published_at, slug in editions:
            if place == jurisdiction_id and published_at and published_at >= recorded_at:
                return slug
        return None

    out = []
    for entry in merged:
        if isinstance(entry, Transfer):
            marks["transfer"] = entry.pk
            item, kind, field, recorded_at = entry.item, KINDS[entry.kind], None, entry.recorded_at
            effective_on, document = entry.effective_on, entry.document.number if entry.document_id else None
            code, jurisdiction_id = item.code, item.jurisdiction_id
        elif isinstance(entry, tuple):
            row, index, kind, field = entry
            marks["history"], marks["given"] = row.history_id, index + 1
            code, jurisdiction_id, recorded_at = row.code, row.jurisdiction_id, row.history_date
            effective_on, document = timezone.localdate(row.history_date), None
        else:  # a department link's history row
            marks["link"] = entry.history_id
            code, jurisdiction_id, recorded_at = entry.item.code, entry.item.jurisdiction_id, entry.history_date
            kind, field, effective_on, document = CHANGED, DEPARTMENTS, timezone.localdate(recorded_at), None
        out.append(
            ChangeEvent(
                cursor=_cursor(marks),
                item=code,
                kind=kind,
                field=field,
                effective_on=effective_on,
                recorded_at=recorded_at,
                document=document,
                edition=first_edition(jurisdiction_id, recorded_at),
            )
        )
    return out
