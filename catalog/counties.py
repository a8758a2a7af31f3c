"""County catalogues: started from the city's current edition, then kept by the county's clerks.

A county's items derive from its claims on the city's items (approvals/claims.py). Deriving the
catalogue claims (认领) every item of the city edition's section (一) the county has not decided on:
each gets a county copy in the county's own departments (市发改委 → 县发改委), linked to the city item,
transferred to the county bureau with the county's own legal basis. From then on the county decides
item by item (the claims page, the claims workbook) and uses the same services and editions as the city.
"""

from __future__ import annotations

import datetime

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from approvals.access import check_can_change
from approvals.claims import claimable_items, claims_decide
from approvals.models import ApprovalItem, Claim, Jurisdiction, PolicyDocument
from catalog.adjustments import editions_diff
from catalog.models import Edition


@transaction.atomic
def county_derive(
    *,
    county: Jurisdiction,
    edition: Edition | None = None,
    document: PolicyDocument | None = None,
    effective_on: datetime.date | None = None,
    user: AbstractBaseUser | None = None,
) -> list[ApprovalItem]:
    """Claim (认领) every item of the city's edition the county has not decided on yet; returns the items created.

    Items the county already decided on are left alone, so running it again after a new city edition
    only claims what is new. Set-based, through the one claims service (approvals/claims.py).
    """
    if county.level != Jurisdiction.Level.COUNTY or county.parent is None:
        raise ValidationError(
            _("“%(name)s”不是县（市、区），不能从市级目录复制。"), code="not_county", params={"name": county}
        )
    check_can_change(user, county.pk)
    city = county.parent
    edition = edition or Edition.objects.latest_published(city)
    if edition is None or edition.jurisdiction_id != city.pk:
        raise ValidationError(_("%(city)s还没有发布的目录版本。"), code="no_edition", params={"city": city})
    listed = edition.entries.filter(section=1).values("item_id")
    mains = (
        claimable_items(city)
        .filter(Q(pk__in=listed) | Q(children__pk__in=listed))
        .exclude(claims__county=county)
        .distinct()
        .order_by("code")
    )
    decided = claims_decide(
        county=county,
        items=mains,
        decision=Claim.Decision.CLAIMED,
        user=user,
        document=document,
        effective_on=effective_on,
    )
    return decided.created


def flag_derived_items(edition: Edition) -> int:
    """After the city publishes `edition`, mark the county items whose city item changed; returns how many."""
    previous = edition.previous()
    if previous is None or edition.jurisdiction.level != Jurisdiction.Level.CITY:
        return 0
    flagged = 0
    for change in editions_diff(previous, edition).changes:
        reason = _("市级%(slug)s版：%(change)s") % {"slug": edition.slug, "change": change.category_label}
        flagged += ApprovalItem.objects.filter(derived_from__code=change.code).update(review_reason=reason[:300])
    return flagged
