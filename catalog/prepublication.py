"""The checks an edition passes before it is published (issue 18 §5): the rules of 朔政发〔2022〕20号 over what
it lists, and its own headings. Errors block publishing (`publishing.edition_publish`); warnings are shown to
the publisher, who acknowledges them, and the acknowledgement is kept with the edition.

One function, `edition_checks`, read by the publish confirmation page and by the publishing service.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.utils.translation import gettext as _

from approvals import notice_rules
from approvals.models import ApprovalItem, Transfer
from catalog.models import Edition, Entry

ERROR, WARNING = "error", "warning"
SHOWN = 20  # the problems listed by name on the page; the count says how many there are
_HEADING_COUNT = re.compile(r"（([0-9]+)项）")


@dataclass(frozen=True)
class Check:
    title: str
    basis: str
    level: str  # ERROR or WARNING
    problems: list[str] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        return not self.problems

    @property
    def shown(self) -> list[str]:
        return self.problems[:SHOWN]

    @property
    def more(self) -> int:
        return max(0, len(self.problems) - SHOWN)


def edition_checks(edition: Edition) -> list[Check]:
    """Each rule's result for `edition`, errors first. A few queries whatever its size."""
    entries = Entry.objects.filter(edition=edition)
    items = ApprovalItem.objects.filter(entries__edition=edition).distinct().order_by("code")
    returned = items.filter(entries__edition=edition, entries__section=Entry.Section.RETURNED)
    last_return = Transfer.objects.filter(item=OuterRef("pk"), kind=Transfer.Kind.RETURN).order_by("-sequence")
    returned = returned.annotate(
        return_note=Subquery(last_return.values("note")[:1]),
        return_issuer=Subquery(last_return.values("document__issuer")[:1]),
        return_place=Subquery(last_return.values("document__jurisdiction_id")[:1]),
    )
    returned = list(
        returned.values(
            "code", "name", "in_base_catalogue", "jurisdiction_id", "return_note", "return_issuer", "return_place"
        )
    )
    guide = list(items.values("code", "name", "statutory_time_limit", "promised_time_limit", "legal_basis"))
    return [
        Check(_("各部分标题中的事项数与所列主项数一致"), _("目录体例"), ERROR, _heading_problems(edition, entries)),
        Check(
            _("基本目录外事项经本级人民政府同意方可退回"),
            _("朔政发〔2022〕20号 二.2"),
            ERROR,
            [
                f"{row['code']} {row['name']}"
                for row in returned
                if not row["in_base_catalogue"]
                and not (
                    row["return_place"] == row["jurisdiction_id"]
                    and notice_rules.GOVERNMENT in (row["return_issuer"] or "")
                )
            ],
        ),
        Check(
            _("办理时限为结构化的工作日、自然日或即办，承诺时限不长于法定时限"),
            _("朔政发〔2022〕20号 四"),
            ERROR,
            _time_limit_problems(guide),
        ),
        Check(
            _("基本目录事项退回须说明理由"),
            _("朔政发〔2022〕20号 二.1、一.2"),
            WARNING,
            [
                f"{row['code']} {row['name']}"
                for row in returned
                if row["in_base_catalogue"] and not (row["return_note"] or "").strip()
            ],
        ),
        Check(
            _("事项应有设定依据"),
            _("朔政发〔2022〕20号 四"),
            WARNING,
            [f"{row['code']} {row['name']}" for row in guide if not row["legal_basis"].strip()],
        ),
    ]


def warnings_text(checks: list[Check]) -> str:
    """The warnings as the publisher acknowledged them: one line per rule, with its count."""
    return "\n".join(
        _("%(title)s：%(count)d 项") % {"title": check.title, "count": len(check.problems)}
        for check in checks
        if check.level == WARNING and not check.passed
    )


def refuse_errors(edition: Edition, checks: list[Check]) -> None:
    failed = [check for check in checks if check.level == ERROR and not check.passed]
    if failed:
        raise ValidationError(
            _("目录版本“%(slug)s”未通过发布前检查：%(rules)s。请先更正，再发布。"),
            code="checks_failed",
            params={
                "slug": edition.slug,
                "rules": "；".join(f"{check.title}（{len(check.problems)} 项不符）" for check in failed),
            },
        )


def _heading_problems(edition: Edition, entries) -> list[str]:
    counts = dict(entries.values("section").annotate(n=Count("number", distinct=True)).values_list("section", "n"))
    problems = []
    for section, heading in (
        (Entry.Section.TRANSFERRED, edition.section1_heading),
        (Entry.Section.RETURNED, edition.section2_heading),
    ):
        listed = counts.get(section, 0)
        match = _HEADING_COUNT.search(heading)
        if match is None:
            problems.append(_("“%(heading)s”没有写明事项数（应为 %(n)d 项）。") % {"heading": heading, "n": listed})
        elif int(match.group(1)) != listed:
            problems.append(
                _("“%(heading)s”写 %(said)s 项，表中列有 %(n)d 项主项。")
                % {"heading": heading, "said": match.group(1), "n": listed}
            )
    return problems


def _time_limit_problems(guide: list[dict]) -> list[str]:
    problems = []
    for row in guide:
        try:
            notice_rules.check_time_limits(statutory=row["statutory_time_limit"], promised=row["promised_time_limit"])
        except ValidationError as error:
            problems.append(f"{row['code']} {row['name']}：{'；'.join(error.messages)}")
    return problems
