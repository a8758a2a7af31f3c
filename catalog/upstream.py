"""Upstream review (issue 18 §2): a city edition's changes, queued for each county that carries the item.

When the city publishes an edition, every county copy (`ApprovalItem.derived_from`) of a city item that changed
since the edition before gets one `UpstreamChange`: the printed columns that changed, the city's value before and
after. The county takes the change over with one action (the columns a county copy holds: name, type, base
catalogue, remarks) or keeps its own value with a reason. Departments and the transfer state are the county's
own register: taking over such a change says what is left to record there.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import services
from approvals.access import check_can_change
from approvals.models import ApprovalItem, Jurisdiction
from catalog.adjustments import CATEGORIES, CELL_LABELS, EDITED, MOVED, RENAMED, RETYPED, Change, editions_diff
from catalog.models import Edition

# The printed columns, as the adjustment table names them (a rename of section (一) is the 事项名称's).
NAME = str(gettext_lazy("事项名称"))
TYPE, DEPARTMENTS, BATCH, BASE, REMARKS = (
    str(CELL_LABELS[name]) for name in ("item_type", "departments", "batch", "base", "remarks")
)
_COLUMN_OF = {RENAMED: NAME, RETYPED: TYPE, MOVED: DEPARTMENTS}
# The columns a county copy takes over from its city item, and the item field each is.
TAKEN_OVER = {
    NAME: "name",
    str(CELL_LABELS["main_name"]): "name",
    str(CELL_LABELS["sub_name"]): "name",
    TYPE: "item_type",
    BASE: "in_base_catalogue",
    REMARKS: "remarks",
}


class UpstreamChange(models.Model):
    class Status(models.TextChoices):
        PENDING = "pending", gettext_lazy("待核对")
        TAKEN = "taken", gettext_lazy("已采纳市级变化")
        KEPT = "kept", gettext_lazy("保留本级")

    county_item = models.ForeignKey(
        ApprovalItem, verbose_name=gettext_lazy("本级事项"), on_delete=models.PROTECT, related_name="upstream_changes"
    )
    jurisdiction = models.ForeignKey(
        Jurisdiction, verbose_name=gettext_lazy("辖区"), on_delete=models.PROTECT, related_name="upstream_changes"
    )
    edition = models.ForeignKey(
        Edition, verbose_name=gettext_lazy("市级目录版本"), on_delete=models.PROTECT, related_name="upstream_changes"
    )
    # [{"column": printed column, "before": city's value in the edition before, "after": in this edition}]
    changes = models.JSONField(gettext_lazy("变化"), default=list)
    status = models.CharField(gettext_lazy("核对情况"), max_length=20, choices=Status.choices, default=Status.PENDING)
    reason = models.CharField(gettext_lazy("保留理由"), max_length=300, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=gettext_lazy("核对人"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(gettext_lazy("核对时间"), null=True, blank=True)
    created_at = models.DateTimeField(gettext_lazy("进入队列时间"), auto_now_add=True)

    class Meta:
        app_label = "catalog"
        verbose_name = gettext_lazy("市级变化核对")
        verbose_name_plural = gettext_lazy("市级变化核对")
        ordering = ["status", "created_at", "id"]
        indexes = [models.Index(fields=["jurisdiction", "status", "created_at"], name="upstream_queue")]
        constraints = [
            models.UniqueConstraint(fields=["county_item", "edition"], name="upstream_change_once_per_edition")
        ]

    def __str__(self) -> str:
        return f"{self.county_item.code} · {self.edition.slug}"

    @property
    def columns(self) -> str:
        return "、".join(change["column"] for change in self.changes)


def county_value(item: ApprovalItem, column: str) -> str:
    """The county copy's own value of a printed column, as the tables would print it."""
    if column == NAME:
        return f"{item.parent.name}／{item.name}" if item.parent_id else item.name
    getters = {
        TYPE: item.get_item_type_display,
        DEPARTMENTS: item.department_text,
        BATCH: item.batch_text,
        BASE: item.base_text,
        REMARKS: lambda: item.remarks,
    }
    getter = getters.get(column)
    return str(getter()) if getter else ""


def _columns(changes: Iterable[Change]) -> list[dict]:
    rows = []
    for change in changes:
        if change.category == EDITED:
            rows += [{"column": c.column, "before": c.before, "after": c.after} for c in change.cells]
        elif change.category in _COLUMN_OF:
            rows.append({"column": _COLUMN_OF[change.category], "before": change.before, "after": change.after})
        else:  # arrived at or left the bureau: its 划转情况, with the kind of change
            after = change.after or str(CATEGORIES[change.category])
            rows.append({"column": BATCH, "before": change.before, "after": after})
    return rows


@transaction.atomic
def queue_changes(edition: Edition) -> int:
    """After the city publishes `edition`: one queue entry per county copy of each changed city item."""
    previous = edition.previous()
    if previous is None or edition.jurisdiction.level != Jurisdiction.Level.CITY:
        return 0
    by_code: dict[str, list[Change]] = {}
    for change in editions_diff(previous, edition).changes:
        by_code.setdefault(change.code, []).append(change)
    copies = ApprovalItem.objects.filter(derived_from__code__in=by_code).values_list(
        "pk", "jurisdiction_id", "derived_from__code"
    )
    entries = [
        UpstreamChange(county_item_id=pk, jurisdiction_id=place, edition=edition, changes=_columns(by_code[code]))
        for pk, place, code in copies
    ]
    return len(UpstreamChange.objects.bulk_create(entries, ignore_conflicts=True))


@transaction.atomic
def take_over(change: UpstreamChange, *, user) -> list[str]:
    """The county copy takes its city item's current values of the changed columns it holds (through
    `services.item_update`: permissions, locks, history). Returns the columns left to record by hand."""
    locked = UpstreamChange.objects.select_for_update(of=("self",))  # not the outer-joined city item
    change = locked.select_related("county_item__derived_from").get(pk=change.pk)
    _refuse_decided(change)
    item, city = change.county_item, change.county_item.derived_from
    by_hand = []
    for row in change.changes:
        field = TAKEN_OVER.get(row["column"])
        if field is None:
            by_hand.append(row["column"])
        elif city is not None:
            setattr(item, field, getattr(city, field))
    services.item_update(item=item, user=user)
    _decide(change, UpstreamChange.Status.TAKEN, user)
    return list(dict.fromkeys(by_hand))


@transaction.atomic
def keep(change: UpstreamChange, *, reason: str, user) -> None:
    """The county keeps its own values, for a stated reason."""
    change = UpstreamChange.objects.select_for_update().get(pk=change.pk)
    _refuse_decided(change)
    check_can_change(user, change.jurisdiction_id)
    if not reason.strip():
        raise ValidationError({"reason": _("保留本级的值须写明理由。")}, code="required")
    change.reason = reason.strip()
    _decide(change, UpstreamChange.Status.KEPT, user)


def _refuse_decided(change: UpstreamChange) -> None:
    if change.status != UpstreamChange.Status.PENDING:
        raise ValidationError(
            _("“%(item)s”的这项市级变化已核对（%(status)s）。"),
            code="decided",
            params={"item": change.county_item.code, "status": change.get_status_display()},
        )


def _decide(change: UpstreamChange, status: str, user) -> None:
    change.status, change.decided_by, change.decided_at = status, user, timezone.now()
    change.save(update_fields=["status", "reason", "decided_by", "decided_at"])
