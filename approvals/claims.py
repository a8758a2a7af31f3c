"""Counties claim the city's items (应认尽认, 晋政办发〔2022〕75号; 朔政发〔2022〕20号).

For each main item of the city's register at the city's bureau, a county records one decision:
认领 (carried out by the county's bureau), 由原部门实施, or 不认领 with a reason from a list (其他 with
its text). A sub-item follows its main item. The county's items derive from its claims
(approvals/claim_items.py), and a derived item's name, type and legal basis are the city's: a
difference is a request to the city, not an edit (`item_check_locked`). The admin's claims page, the
claims workbook and `manage.py county_claims` all decide through `claims_decide`.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from simple_history.utils import bulk_create_with_history, bulk_update_with_history

from approvals.access import check_can_change, check_can_cite
from approvals.claim_items import county_items_follow
from approvals.models import ApprovalItem, Claim, ItemStatus, Jurisdiction, PolicyDocument

Decision = Claim.Decision
Reason = Claim.Reason
# The fields a derived item takes from its city item and the county does not edit.
LOCKED_FIELDS = ("name", "item_type", "legal_basis")
LOCKED_MESSAGE = gettext_lazy(
    "事项“%(code)s”的事项名称、事项类型和设定依据与市级事项“%(city)s”一致，县级不能修改；"
    "如有不同，请向市级提出调整申请。"
)
LOCKED_NOTICE = gettext_lazy(
    "本事项由市级事项派生：事项名称、事项类型和设定依据随市级事项，县级不能修改；如有不同，请向市级提出调整申请。"
)


@dataclass
class Decided:
    """What one decision changed: the claims written (new or different) and the county items created."""

    claims: list[Claim] = field(default_factory=list)
    created: list[ApprovalItem] = field(default_factory=list)


# The items a county claims from: the city's main items at its bureau (an edition's section (一)).
# Sub-items are not claimed on their own: they follow their main item.
CLAIMABLE = Q(parent__isnull=True, status=ItemStatus.BUREAU)


def claimable_items(city: Jurisdiction) -> QuerySet[ApprovalItem]:
    """The city's items a county claims from (CLAIMABLE)."""
    return ApprovalItem.objects.filter(CLAIMABLE, jurisdiction=city)


def claim_check(*, decision: str, reason: str = "", reason_text: str = "") -> tuple[str, str]:
    """The reason and its text as stored: 不认领 needs a reason from the list, 其他 its text; others none."""
    if decision not in Decision.values:
        raise ValidationError(
            _("认领情况“%(value)s”不在列表中，应为：%(choices)s。"),
            code="decision",
            params={"value": decision, "choices": "、".join(map(str, Decision.labels))},
        )
    if decision != Decision.DECLINED:
        return "", ""
    if not reason:
        raise ValidationError(_("不认领时必须选择不认领理由。"), code="reason_required")
    if reason not in Reason.values:
        raise ValidationError(
            _("不认领理由“%(value)s”不在列表中，应为：%(choices)s。"),
            code="reason",
            params={"value": reason, "choices": "、".join(map(str, Reason.labels))},
        )
    if reason == Reason.OTHER and not reason_text.strip():
        raise ValidationError(_("不认领理由为“其他”时必须填写理由说明。"), code="reason_text_required")
    return reason, reason_text.strip()


def _check_county(county: Jurisdiction) -> Jurisdiction:
    if county.level != Jurisdiction.Level.COUNTY or county.parent_id is None:
        raise ValidationError(
            _("“%(name)s”不是县（市、区），不能认领市级事项。"), code="not_county", params={"name": county}
        )
    return county.parent


def _check_items(city: Jurisdiction, items: Iterable[ApprovalItem]) -> list[int]:
    """The ids of the items, all main items of the city's register at its bureau; refuse naming the others."""
    items = list(items)
    ids = [item.pk for item in items]
    allowed = set(claimable_items(city).filter(pk__in=ids).values_list("pk", flat=True))
    subs = [item.code for item in items if item.parent_id is not None]
    if subs:
        raise ValidationError(
            _("子项随主项认领，不能单独认领：%(codes)s。"), code="sub_item", params={"codes": "、".join(subs)}
        )
    outside = [item.code for item in items if item.pk not in allowed]
    if outside:
        raise ValidationError(
            _("只能认领%(city)s由审批服务管理局实施的事项：%(codes)s 不在其中。"),
            code="not_claimable",
            params={"city": city, "codes": "、".join(outside)},
        )
    return list(dict.fromkeys(ids))


@transaction.atomic
def claims_decide(
    *,
    county: Jurisdiction,
    items: Iterable[ApprovalItem],
    decision: str,
    reason: str = "",
    reason_text: str = "",
    user: AbstractBaseUser | None = None,
    document: PolicyDocument | None = None,
    effective_on: datetime.date | None = None,
) -> Decided:
    """Record the county's `decision` on each of the city's main items, and derive the county's items from it.

    Set-based for any number of items: a few statements. A claim already saying the same is left alone.
    `document` and `effective_on` date the events the county's items take (划转, 退回, 取消).
    """
    city = _check_county(county)
    check_can_change(user, county.pk)
    check_can_cite(user, document)
    reason, reason_text = claim_check(decision=decision, reason=reason, reason_text=reason_text)
    ids = _check_items(city, items)
    existing = {claim.city_item_id: claim for claim in Claim.objects.filter(county=county, city_item_id__in=ids)}
    decider = user if getattr(user, "pk", None) else None
    now = timezone.now()
    new, changed = [], []
    for pk in ids:
        claim = existing.get(pk)
        if claim is None:
            claim = Claim(county=county, city_item_id=pk)
            new.append(claim)
        elif (claim.decision, claim.reason, claim.reason_text) == (decision, reason, reason_text):
            continue
        else:
            changed.append(claim)
        claim.decision, claim.reason, claim.reason_text = decision, reason, reason_text
        claim.decided_by, claim.decided_at = decider, now
    bulk_create_with_history(new, Claim, default_user=decider)
    if changed:
        fields = ["decision", "reason", "reason_text", "decided_by", "decided_at"]
        bulk_update_with_history(changed, Claim, fields, default_user=decider)
    note = _("县级认领：%(decision)s") % {"decision": Decision(decision).label}
    if decision == Decision.DECLINED:
        note = _("县级不认领：%(reason)s") % {"reason": reason_text or Reason(reason).label}
    created = county_items_follow(
        county=county,
        city_item_ids=[claim.city_item_id for claim in new + changed],
        decision=decision,
        user=user,
        document=document,
        effective_on=effective_on,
        note=note[:300],
    )
    return Decided(claims=new + changed, created=created)


def item_check_locked(*, item: ApprovalItem) -> None:
    """Refuse a change of a derived item's name, type or legal basis: they are its city item's. Taking the city
    item's current value over (catalog/upstream.py, after the city changed it) is the one change allowed."""
    if item.pk is None or item.derived_from_id is None:
        return
    stored = ApprovalItem.objects.filter(pk=item.pk).values(*LOCKED_FIELDS).first()
    city_values = ApprovalItem.objects.filter(pk=item.derived_from_id).values(*LOCKED_FIELDS).first() or {}
    changed = [name for name in LOCKED_FIELDS if stored and stored[name] != getattr(item, name)]
    if any(getattr(item, name) != city_values.get(name) for name in changed):
        city = ApprovalItem.objects.filter(pk=item.derived_from_id).values_list("code", flat=True).first()
        raise ValidationError(LOCKED_MESSAGE, code="locked", params={"code": item.code, "city": city})
