"""The words of the official tables, written once.

The tables print these exact strings (朔政发〔2022〕20号): the import reads them, the
exports and editions write them, the filters offer them. Nothing else spells them out.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import F, Q

# 划转情况 of a power accepted from the province (承接), and the 划转部门 cell of such a power: its source.
ACCEPTED = "承接"
PROVINCE_SOURCE = "省政府下放"
# 对应基本目录情况: in 晋政发〔2021〕47号's base catalogue or not.
IN_BASE = "基本目录事项"
NOT_IN_BASE = "基本目录外事项"
BASE_TEXTS = (IN_BASE, NOT_IN_BASE)
# 备注 of every row of section (二): the item went back to its department.
RETURNED_REMARK = "退回"

# The batch filter's values, the same in the admin and on the public side: first, second, … by the
# date of the batch's document, and accepted (承接).
BATCH_ACCEPTED = "accepted"
_BATCH_SLUGS = ("first", "second", "third", "fourth", "fifth")
_BATCH_CACHE_KEY = "approvals:batches"
BATCH_CACHE_SECONDS = 300  # a new batch document is rare; every list filtered by batch asks


def base_text(in_base_catalogue: bool) -> str:
    """The 对应基本目录情况 cell."""
    return IN_BASE if in_base_catalogue else NOT_IN_BASE


def batch_label(kind: str | None, document_label: str | None) -> str:
    """The 划转情况 text of an event of `kind` whose document names its batch `document_label`.

    Accepted from the province: 承接; transferred: the batch its document belongs to; otherwise nothing.
    """
    if kind == "accept":
        return ACCEPTED
    if kind == "transfer":
        return document_label or ""
    return ""


def batch_choices() -> list[tuple[str, str]]:
    """The batch filter's (value, label) pairs: first, second, … by document date, then accepted (承接)."""
    choices = cache.get(_BATCH_CACHE_KEY)
    if choices is None:
        from approvals.models import PolicyDocument

        # Unknown dates count as the oldest, on every database (PostgreSQL would sort NULL last).
        documents = PolicyDocument.objects.exclude(batch_label="").order_by(
            F("issued_on").asc(nulls_first=True), "number"
        )
        labels = list(dict.fromkeys(document.batch_label for document in documents))
        choices = [(_batch_slug(i), label) for i, label in enumerate(labels)] + [(BATCH_ACCEPTED, ACCEPTED)]
        cache.set(_BATCH_CACHE_KEY, choices, BATCH_CACHE_SECONDS)
    return choices


def forget_batches() -> None:
    """Called when a document changes: its batch label may be new."""
    cache.delete(_BATCH_CACHE_KEY)


def batch_condition(value: str, prefix: str = "") -> Q | None:
    """The condition on items (through `prefix`) of a batch filter value, or None if the value is unknown."""
    if value == BATCH_ACCEPTED:
        return Q(**{f"{prefix}intake__kind": "accept"})
    labels = dict(batch_choices())
    if value not in labels:
        return None
    return Q(**{f"{prefix}intake__kind": "transfer", f"{prefix}intake__document__batch_label": labels[value]})


def _batch_slug(index: int) -> str:
    return _BATCH_SLUGS[index] if index < len(_BATCH_SLUGS) else f"batch{index + 1}"
