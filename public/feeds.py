"""Atom feeds of the published editions, of every jurisdiction or of one, each entry summing up its adjustment."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.contrib.syndication.views import Feed
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.feedgenerator import Atom1Feed
from django.utils.translation import gettext as _

from approvals.models import Jurisdiction
from catalog.adjustments import CATEGORIES, editions_diff
from catalog.models import Edition

FEED_LENGTH = 50


@dataclass(frozen=True)
class Scope:
    jurisdiction: Jurisdiction | None
    base: str  # scheme and host of the request: the summaries' links are read outside the site


def adjustment_summary(edition: Edition, base: str = "") -> str:
    """新增划转或承接 3 项，退回原部门 1 项 … from the previous edition, and the address of the adjustment page."""
    if edition.previous_edition is None:
        return _("该辖区的第一个目录版本，共 %(rows)s 行。") % {"rows": edition.entries.count()}
    counts = editions_diff(edition.previous_edition, edition).counts()
    parts = "，".join(
        _("%(category)s %(count)s 项") % {"category": CATEGORIES[category], "count": count}
        for category, count in counts.items()
    )
    text = _("与上一版（%(old)s）相比：%(parts)s。") if parts else _("与上一版（%(old)s）相比没有调整。")
    link = base + reverse("public:edition_adjustment", args=[edition.slug])
    return (text + _("调整对照表：%(link)s")) % {"old": edition.previous_edition.title, "parts": parts, "link": link}


class EditionsFeed(Feed):
    """Published editions, newest first; `/feeds/<code>/editions.atom` those of one jurisdiction."""

    feed_type = Atom1Feed

    def get_object(self, request, code: str | None = None) -> Scope:
        jurisdiction = get_object_or_404(Jurisdiction.objects.registers(), code=code) if code else None
        return Scope(jurisdiction, request.build_absolute_uri("/").rstrip("/"))

    def title(self, scope: Scope) -> str:
        if scope.jurisdiction is None:
            return _("行政审批事项划转目录：已发布的目录版本")
        return _("%(place)s行政审批事项划转目录：已发布的目录版本") % {"place": scope.jurisdiction.name}

    def link(self, scope: Scope) -> str:
        return reverse("public:editions")

    def subtitle(self, scope: Scope) -> str:
        return _("每个已发布的目录版本，附与上一版相比的调整。")

    def feed_url(self, scope: Scope) -> str:
        if scope.jurisdiction is None:
            return reverse("public:feed_editions")
        return reverse("public:feed_jurisdiction_editions", args=[scope.jurisdiction.code])

    def items(self, scope: Scope) -> list[Edition]:
        editions = Edition.objects.select_related("jurisdiction", "document")
        if scope.jurisdiction is not None:
            editions = editions.filter(jurisdiction=scope.jurisdiction)
        newest = editions.with_previous()[::-1][:FEED_LENGTH]
        for edition in newest:
            edition.feed_summary = adjustment_summary(edition, scope.base)
        return newest

    def item_title(self, edition: Edition) -> str:
        return edition.title

    def item_link(self, edition: Edition) -> str:
        return reverse("public:edition", args=[edition.slug])

    def item_description(self, edition: Edition) -> str:
        return edition.feed_summary

    def item_pubdate(self, edition: Edition) -> datetime.datetime | None:
        return edition.published_at

    def item_updateddate(self, edition: Edition) -> datetime.datetime | None:
        return edition.published_at

    def item_author_name(self, edition: Edition) -> str:
        return edition.jurisdiction.name


editions_feed = EditionsFeed()
