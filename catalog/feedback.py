"""Citizens' reports that an item's page is wrong or out of date (issue 20): the only writers of `Feedback`,
and the clerks' queue of open messages.

A message belongs to the item's jurisdiction, copied when it arrives, so that the admin's one scoping rule
(approvals.access) reads one column: a county's clerks see and answer only their county's messages.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.auth.models import AbstractBaseUser
from django.db import transaction
from django.db.models import Count, Min, QuerySet

from approvals import access
from approvals.models import ApprovalItem
from catalog.models import Feedback


@transaction.atomic
def feedback_submit(*, item: ApprovalItem, message: str, contact: str = "") -> Feedback:
    """Record a visitor's message about `item`, for the clerks of its jurisdiction."""
    return Feedback.objects.create(item=item, jurisdiction_id=item.jurisdiction_id, message=message, contact=contact)


@transaction.atomic
def feedback_answer(*, feedback: Feedback, status: str, reply: str, user: AbstractBaseUser) -> Feedback:
    """A clerk's handling of a message: its status and reply. The clerk is recorded as `replied_by` whenever
    either changes; only the staff of the message's jurisdiction may answer it (PermissionDenied otherwise)."""
    access.check_can_change(user, feedback.jurisdiction_id)
    stored = Feedback.objects.select_for_update().get(pk=feedback.pk)
    if (stored.status, stored.reply) != (status, reply):
        feedback.replied_by = user
    feedback.status, feedback.reply = status, reply
    feedback.save(update_fields=["status", "reply", "replied_by", "updated_at"])
    return feedback


@dataclass(frozen=True)
class Queue:
    """The open messages of some jurisdictions: how many, and since when the oldest has waited."""

    count: int
    oldest: datetime.datetime | None


def open_queue(feedback: QuerySet[Feedback]) -> Queue:
    """The open messages among `feedback` (already scoped to what the user may read), in one query."""
    figures = feedback.open().order_by().aggregate(count=Count("pk"), oldest=Min("created_at"))
    return Queue(figures["count"], figures["oldest"])
