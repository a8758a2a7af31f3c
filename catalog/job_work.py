"""What each kind of background job does: the one service of its work, with its progress told as it goes.

Each job runs as the member of staff who started it, with the values they submitted (Job.params) validated
again by the same form: what was true when they clicked may not be any more.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from django.db import transaction
from django.urls import reverse
from django.utils.translation import gettext as _

from approvals.alignment import alignment_report
from catalog import downloads, import_upload
from catalog.counties import county_derive
from catalog.forms import BasisDocumentForm, CountyDeriveForm, ImportForm
from catalog.jobs import JobRefused, Outcome, Reporter
from catalog.models import Edition, Job

# The messages import_official says, in order (rows read so far are told in between), and the preview's.
IMPORT_STEPS = 7
PREVIEW_STEPS = 2


def import_preview(job: Job, report: Reporter) -> Outcome:
    """The dry run of a large workbook; its preview is shown by the import page (?job=…)."""
    form = _valid(ImportForm(job.params, user=_starter(job)))
    found = import_upload.preview(form, progress=_steps(report, PREVIEW_STEPS))
    if found.get("summary"):
        summary = found["summary"]
        if found["problems"]:
            summary += _("另有 %(n)d 个问题须先解决。") % {"n": len(found["problems"])}
    else:
        summary = _("文件无法导入，发现 %(n)d 个问题。") % {"n": len(found["problems"])}
    report(done=PREVIEW_STEPS, phase=_("预览已生成。"))
    url = reverse("admin:catalog_edition_import_official") + f"?job={job.pk}"
    return Outcome(summary, url, import_upload.preview_as_json(found))


def import_confirm(job: Job, report: Reporter) -> Outcome:
    """The import of a large workbook, in one transaction: the new draft, or nothing written at all."""
    form = _valid(ImportForm(job.params, user=_starter(job)))
    edition, found = import_upload.confirm(form, progress=_steps(report, IMPORT_STEPS))
    if edition is None:
        details = import_upload.preview_as_json({"problems": found, "refused": True})
        raise JobRefused(_("文件未导入，数据库没有任何改变。发现 %(n)d 个问题。") % {"n": len(found)}, details)
    return Outcome(import_upload.imported_message(found), reverse("admin:catalog_edition_change", args=[edition.pk]))


def prepare_downloads(job: Job, report: Reporter) -> Outcome:
    """The xlsx, docx, csv and json of a published edition not written yet; each renamed into place when whole."""
    edition = Edition.objects.published().filter(pk=job.params.get("edition")).first()
    if edition is None:
        raise JobRefused(_("该目录版本不存在或尚未发布。"))
    rows = edition.entries.count()
    missing = [fmt for fmt in downloads.FORMATS if downloads.prepared(edition, fmt) is None]
    report(done=0, total=rows * len(missing))
    for index, fmt in enumerate(missing):
        phase = _("正在生成 %(format)s 文件（共 %(rows)d 行）……") % {"format": fmt, "rows": rows}
        report(done=index * rows, phase=phase)
        downloads.prepare(edition, fmt, progress=lambda written, index=index: report(done=index * rows + written))
    report(done=rows * len(missing), phase=_("下载文件已生成。"))
    summary = _("已生成“%(slug)s”的下载文件：%(formats)s（各 %(rows)d 行）。") % {
        "slug": edition.slug,
        "formats": "、".join(missing) or _("无（均已生成）"),
        "rows": rows,
    }
    return Outcome(summary, edition.get_absolute_url())


def derive_county(job: Job, report: Reporter) -> Outcome:
    """A county's catalogue from the city's latest edition, then how it aligns with the city's."""
    county = job.jurisdiction
    form = _valid(CountyDeriveForm(job.params, user=_starter(job)))
    report(done=0, total=2, phase=_("正在复制市级目录的部门和事项……"))
    with transaction.atomic():
        # The document the form registers and the items that cite it: both, or neither.
        created = county_derive(
            county=county,
            document=form.basis(county),
            effective_on=form.cleaned_data["effective_on"],
            user=form.user,
        )
    report(done=1, phase=_("正在比对市县两级目录……"))
    report = alignment_report(county)
    summary = _("%(county)s：新建 %(n)d 个事项（含子项）。认领情况：%(counts)s。") % {
        "county": county.name,
        "n": len(created),
        "counts": report.text(),
    }
    details = {"created": len(created), "counts": report.counts}
    return Outcome(summary, reverse("admin:approvals_jurisdiction_alignment", args=[county.pk]), details)


WORK: dict[str, Callable[[Job, Reporter], Outcome]] = {
    Job.Kind.IMPORT_PREVIEW: import_preview,
    Job.Kind.IMPORT: import_confirm,
    Job.Kind.DOWNLOADS: prepare_downloads,
    Job.Kind.COUNTY: derive_county,
}


def do(job: Job, report: Reporter) -> Outcome:
    return WORK[job.kind](job, report)


def _starter(job: Job):
    if job.created_by is None:
        raise JobRefused(_("发起任务的账号已不存在，请重新发起。"))
    return job.created_by


def _valid(form: BasisDocumentForm) -> BasisDocumentForm:
    if not form.is_valid():
        errors = "；".join(str(message) for messages in form.errors.values() for message in messages)
        raise JobRefused(_("提交的内容已不再有效：%(errors)s") % {"errors": errors})
    return form


def _steps(report: Reporter, total: int) -> Callable[[str], None]:
    """A progress callback for messages: each one starts the next of `total` steps, except "rows read so far"."""
    before, _sep, after = _("已读取 %(rows)d 行……").partition("%(rows)d")
    rows_read = re.compile(re.escape(before) + r"\d+" + re.escape(after) + "$")
    started = [0]
    report(done=0, total=total)

    def say(message: str) -> None:
        if not rows_read.match(message):
            started[0] += 1
        report(done=min(max(started[0] - 1, 0), total), phase=message)

    return say
