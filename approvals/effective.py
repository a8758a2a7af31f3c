"""Events dated after the day they are recorded: pending until their date, then in force without anyone acting.

`approvals.bulk.record` writes such an event with `pending=True` and leaves the item as it is, so that
everything reading the stored status (lists, counts, statistics, the API, exports) goes on showing the
register in force today. `apply_due` applies the events whose day has come: the daily job calls it, the
middleware (approvals/middleware.py) calls it on the first request of each day in case the job did not
run, and so does `manage.py apply_due_events`. The register on another day, past or future, is
`ApprovalItem.objects.at_bureau(on)`, which reads the events themselves, pending ones included.

An item waits for one such event at a time (rules.check_nothing_pending; a unique index says so too).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals.models import ApprovalItem, Transfer
from approvals.rules import INTAKE_KINDS, TRANSITIONS, date_text

BATCH = 2000
Kind = Transfer.Kind

# What happens to the item on the event's date, after "将于2027年3月1日起".
UPCOMING = {
    Kind.TRANSFER: gettext_lazy("划转至审批服务管理局实施"),
    Kind.ACCEPT: gettext_lazy("由审批服务管理局承接实施"),
    Kind.RETURN: gettext_lazy("退回原部门实施"),
    Kind.CANCEL: gettext_lazy("取消"),
    Kind.DEVOLVE: gettext_lazy("下放实施"),
}


def upcoming_text(kind: str, on: datetime.date) -> str:
    """The notice of an item waiting for an event: 将于2027年3月1日起退回原部门实施."""
    return _("将于%(date)s起%(change)s") % {"date": date_text(on), "change": UPCOMING[kind]}


def pending_of(item_ids: Iterable[int]) -> dict[int, tuple[str, datetime.date]]:
    """The kind and date of the event each of the items waits for; items that wait for none are left out."""
    ids = list(item_ids)
    found: dict[int, tuple[str, datetime.date]] = {}
    for start in range(0, len(ids), BATCH):
        rows = Transfer.objects.filter(item_id__in=ids[start : start + BATCH], pending=True)
        found.update({item: (kind, on) for item, kind, on in rows.values_list("item_id", "kind", "effective_on")})
    return found


def with_pending(items: QuerySet[ApprovalItem]) -> QuerySet[ApprovalItem]:
    """The items with `pending_kind` and `pending_on`: the event each waits for (None when none), in the same query."""
    waiting = Transfer.objects.filter(item=OuterRef("pk"), pending=True)
    return items.annotate(
        pending_kind=Subquery(waiting.values("kind")[:1]), pending_on=Subquery(waiting.values("effective_on")[:1])
    )


def apply_due(on: datetime.date | None = None) -> int:
    """Apply every pending event dated `on` (default: today) or earlier; return how many were applied.

    Each item takes its event's new status (and, after a transfer or an accept, the event as its
    intake) with a history row whose reason names the date and the event. Set-based, in one
    transaction. Running it again finds nothing left. So does a second process running it at the same
    time on PostgreSQL: it waits for the first one's row locks, then finds the rows no longer pending.
    On SQLite the second one's write is refused (database is locked) and it changes nothing.
    """
    on = on or timezone.localdate()
    due = Transfer.objects.filter(pending=True, effective_on__lte=on)
    if not due.exists():  # the usual answer, read from the partial index of the few pending rows
        return 0
    with transaction.atomic():
        return _apply(due)


def _apply(due: QuerySet[Transfer]) -> int:
    rows = list(due.select_for_update().order_by("pk").values_list("pk", "item_id", "kind", "effective_on"))
    ids = [row[0] for row in rows]
    for start in range(0, len(ids), BATCH):
        Transfer.objects.filter(pk__in=ids[start : start + BATCH]).update(pending=False)
    by_kind: dict[str, list[int]] = {}
    for _pk, item_id, kind, _on in rows:
        by_kind.setdefault(kind, []).append(item_id)
    # The applied event is its item's last: nothing may be recorded while one waits.
    last_event = Transfer.objects.filter(item_id=OuterRef("pk")).order_by("-sequence").values("pk")[:1]
    for kind, item_ids in by_kind.items():
        values = {"status": TRANSITIONS[kind][1]}
        if kind in INTAKE_KINDS:
            values["intake"] = Subquery(last_event)
        for start in range(0, len(item_ids), BATCH):
            ApprovalItem.objects.filter(pk__in=item_ids[start : start + BATCH]).update(**values)
    reasons = {
        item_id: _("按 %(date)s 生效的“%(event)s”更新状态") % {"date": date_text(on), "event": Kind(kind).label}
        for _pk, item_id, kind, on in rows
    }
    item_ids = list(reasons)
    for start in range(0, len(item_ids), BATCH):
        items = list(ApprovalItem.objects.filter(pk__in=item_ids[start : start + BATCH]).order_by("pk"))
        for item in items:
            item._change_reason = reasons[item.pk]
            item._history_user = None  # the date changed it, not whoever's request happened to run this
        ApprovalItem.history.bulk_history_create(items, batch_size=BATCH, update=True)
    return len(rows)
