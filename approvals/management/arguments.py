"""Command-line arguments that name register rows: one parser each, one Chinese message each."""

from __future__ import annotations

import datetime

from django.core.management.base import CommandError

from approvals.models import Jurisdiction, PolicyDocument


def jurisdiction_argument(code: str | None) -> Jurisdiction | None:
    """The jurisdiction with that code (None when no code was given); CommandError if there is none."""
    if not code:
        return None
    place = Jurisdiction.objects.filter(code=code).first()
    if place is None:
        raise CommandError(f"没有代码为“{code}”的辖区。")
    return place


def document_argument(number: str | None) -> PolicyDocument | None:
    """The policy document with that number (None when none was given); CommandError if it is not registered."""
    if not number:
        return None
    document = PolicyDocument.objects.filter(number=number).first()
    if document is None:
        raise CommandError(f"没有文号为“{number}”的政策文件，请先在管理后台登记。")
    return document


def date_argument(text: str | None, default: datetime.date | None = None) -> datetime.date | None:
    """A YYYY-MM-DD date, or `default` when none was given."""
    if not text:
        return default
    try:
        return datetime.date.fromisoformat(text)
    except ValueError:
        raise CommandError(f"日期“{text}”不是 YYYY-MM-DD 格式。") from None
