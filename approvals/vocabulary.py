"""The words of the official tables, written once.

The tables print these exact strings (朔政发〔2022〕20号): the import reads them, the
exports and editions write them, the filters offer them. Nothing else spells them out.
This module reads no database and imports nothing of the project.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ItemType(models.TextChoices):
    """The ten national types of administrative power."""

    LICENSING = "licensing", _("行政许可")
    PENALTY = "penalty", _("行政处罚")
    ENFORCEMENT = "enforcement", _("行政强制")
    LEVY = "levy", _("行政征收")
    BENEFIT = "benefit", _("行政给付")
    INSPECTION = "inspection", _("行政检查")
    CONFIRMATION = "confirmation", _("行政确认")
    REWARD = "reward", _("行政奖励")
    ADJUDICATION = "adjudication", _("行政裁决")
    OTHER = "other", _("其他行政权力")


class ItemStatus(models.TextChoices):
    PENDING = "pending", _("未划转，由原部门实施")
    BUREAU = "bureau", _("由审批服务管理局实施")
    RETURNED = "returned", _("已退回原部门实施")
    CANCELLED = "cancelled", _("已取消")
    DEVOLVED = "devolved", _("已下放实施")


# What the public catalogue lists: the main items at the bureau or returned to their department.
PUBLIC_STATUSES = (ItemStatus.BUREAU, ItemStatus.RETURNED)
PUBLIC_MAIN = models.Q(parent__isnull=True, status__in=PUBLIC_STATUSES)


# 划转情况 of a power accepted from the province (承接), and the 划转部门 cell of such a power: its source.
ACCEPTED = "承接"
PROVINCE_SOURCE = "省政府下放"
# 对应基本目录情况: in 晋政发〔2021〕47号's base catalogue or not.
IN_BASE = "基本目录事项"
NOT_IN_BASE = "基本目录外事项"
BASE_TEXTS = (IN_BASE, NOT_IN_BASE)
# 备注 of every row of section (二): the item went back to its department.
RETURNED_REMARK = "退回"
# The change reason of the department links written with a new item: their history rows are part of its
# creation, not a change of its departments (catalog/changes.py leaves them out of the change feed).
NEW_ITEM_LINK = "随事项新建"
# The change reason of the first history rows written for rows loaded from a file (the official data, a backup).
LOADED_REASON = "载入官方目录"

# The batch filter's values, the same in the admin and on the public side: first, second, … by the
# date of the batch's document, and accepted (承接).
BATCH_ACCEPTED = "accepted"
_BATCH_SLUGS = ("first", "second", "third", "fourth", "fifth")
BATCH_CACHE_KEY = "approvals:batches"  # the batch choices are cached (approvals/queries.py)
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


def batch_slug(index: int) -> str:
    """The filter value of the index-th batch by date: first, second, …"""
    return _BATCH_SLUGS[index] if index < len(_BATCH_SLUGS) else f"batch{index + 1}"
