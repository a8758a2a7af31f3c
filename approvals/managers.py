"""Read rules of the register, as QuerySet methods whose docstrings state the rule."""

from __future__ import annotations

import datetime

from django.db import models
from django.db.models import OuterRef, Q, Subquery


class DepartmentQuerySet(models.QuerySet):
    def named(self, name: str) -> DepartmentQuerySet:
        """Departments whose short name, full name or one of whose aliases is exactly `name`."""
        name = name.strip()
        return self.filter(Q(short_name=name) | Q(full_name=name) | Q(aliases__name=name)).distinct()


class ApprovalItemQuerySet(models.QuerySet):
    def main_items(self) -> ApprovalItemQuerySet:
        """Items that are not sub-items of another item."""
        return self.filter(parent__isnull=True)

    def at_bureau(self, on: datetime.date | None = None) -> ApprovalItemQuerySet:
        """Items the bureau carries out: now, or on the day `on`.

        Now is the stored status. On a past day it is the new status of the item's
        last event effective on or before that day; events whose date is unknown
        count as having happened before every known date.
        """
        from approvals.models import ItemStatus

        if on is None:
            return self.filter(status=ItemStatus.BUREAU)
        return self.annotate(status_on=self._status_on(on)).filter(status_on=ItemStatus.BUREAU)

    def returned(self) -> ApprovalItemQuerySet:
        """Items handed back from the bureau to their original departments."""
        from approvals.models import ItemStatus

        return self.filter(status=ItemStatus.RETURNED)

    @staticmethod
    def _status_on(on: datetime.date) -> Subquery:
        from approvals.models import Transfer

        last = (
            Transfer.objects.filter(item=OuterRef("pk"))
            .filter(Q(effective_on__lte=on) | Q(effective_on__isnull=True))
            .order_by("-sequence")
            .values("to_status")[:1]
        )
        return Subquery(last)

    def with_table_cells(self) -> ApprovalItemQuerySet:
        """Everything needed to print an item's row, in a fixed number of queries."""
        return self.select_related("jurisdiction", "intake__document", "parent").prefetch_related(
            "department_links__department"
        )
