import datetime

from django.core.management.commands import loaddata
from django.utils import timezone

from approvals.models import ApprovalItem, Department, ItemDepartment, PolicyDocument
from approvals.vocabulary import LOADED_REASON
from catalog.models import Edition

# The audited models, in the order their first history rows are written.
AUDITED = (Department, PolicyDocument, ApprovalItem, ItemDepartment)
BATCH = 1000


class Command(loaddata.Command):
    """Django's loaddata, able to load a published edition (the official fixture, a backup).

    The database refuses rows for a published edition (migration 0005) and a fixture lists an
    edition before its rows. So an edition the database does not already hold as published is
    written as a draft and published once the whole file is in, as `edition_publish` does. A
    published edition already in the database still refuses new rows. One saved without its moment
    of publishing (files older than migration 0006) gets the start of its publication day; editions
    of one day then follow each other by id, as `EditionQuerySet.in_publication_order` breaks ties.

    Loading saves raw and writes no audit history, so every audited row that has none gets its
    first history row (“+”, now) once the file is in: the first edit then shows what it changed.
    """

    def loaddata(self, fixture_labels):
        self.drafts_to_publish = []
        super().loaddata(fixture_labels)
        if self.drafts_to_publish:
            drafts = Edition.objects.using(self.using).filter(pk__in=[edition.pk for edition in self.drafts_to_publish])
            for edition in self.drafts_to_publish:
                if edition.published_at is None:
                    drafts.filter(pk=edition.pk).update(published_at=_start_of(edition))
            drafts.update(status=Edition.Status.PUBLISHED)
        start_history(using=self.using)

    def save_obj(self, obj):
        edition = obj.object
        if not isinstance(edition, Edition) or not edition.is_published:
            return super().save_obj(obj)
        if Edition.objects.using(self.using).filter(pk=edition.pk).published().exists():
            return super().save_obj(obj)  # the same row again, or refused if it differs
        edition.status = Edition.Status.DRAFT
        saved = super().save_obj(obj)
        if saved:
            self.drafts_to_publish.append(edition)
        return saved


def start_history(*, using: str = "default") -> int:
    """Write the first history row (“+”, now, no user) of every audited row that has none."""
    written, now = 0, timezone.now()
    for model in AUDITED:
        historical = model.history.model
        missing = model.objects.using(using).exclude(pk__in=historical.objects.using(using).values("id"))
        rows = [
            historical(
                history_date=now,
                history_type="+",
                history_change_reason=LOADED_REASON,
                **{field.attname: getattr(obj, field.attname) for field in historical.tracked_fields},
            )
            for obj in missing.order_by("pk").iterator(chunk_size=BATCH)
        ]
        written += len(historical.objects.using(using).bulk_create(rows, batch_size=BATCH))
    return written


def _start_of(edition: Edition) -> datetime.datetime:
    """Midnight of the edition's publication day (its creation time when it has no date)."""
    if edition.published_on is None:
        return edition.created_at or timezone.now()
    return timezone.make_aware(datetime.datetime.combine(edition.published_on, datetime.time()))
