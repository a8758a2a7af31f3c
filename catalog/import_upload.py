"""A workbook uploaded in the admin: kept between preview and confirmation, previewed, imported.

The uploaded file waits in settings.IMPORT_UPLOADS_DIR, in a folder named by its uploader and a random
token, between the two steps; it is removed once imported, or a day later by the next upload. The
preview plans as `import_official`'s dry run does (workbook, snapshot, planner), keeping the plan to list
it by kind of change; the confirmation is `import_official` itself, with the new basis document (when the
form registers one) written in the same transaction. The admin page runs both at once for a small file,
and a background job (catalog/job_work.py) for a large one: the same functions either way.
"""

from __future__ import annotations

import datetime
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from django.conf import settings
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.db import transaction
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _

from approvals import access
from approvals.models import ApprovalItem
from catalog.imports.official import import_official
from catalog.imports.plan import Change, Plan
from catalog.imports.planner import make_plan
from catalog.imports.report import ImportReport, plan_report
from catalog.imports.snapshot import read_snapshot
from catalog.imports.workbook import MAX_PROBLEMS, ImportRefused, Problem, check_file, read_workbook
from catalog.models import Edition

if TYPE_CHECKING:
    from catalog.forms import ImportForm

KEPT_FOR = datetime.timedelta(days=1)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")
Say = Callable[[str], None]


def preview(form: ImportForm, progress: Say | None = None) -> dict:
    """The dry run: what the import would do and every problem found; the register is left as it was."""
    say = progress or (lambda message: None)
    data, jurisdiction = form.cleaned_data, form.target()
    try:
        path = stored(data["token"], form.user)
        say(_("正在读取 %(name)s……") % {"name": path.name})
        parsed = read_workbook(path, progress=say)
        say(_("已读取 %(rows)d 行，正在与登记册比对……") % {"rows": len(parsed.rows)})
        with transaction.atomic():
            # A document the form registers is written only to plan with it, then rolled back.
            try:
                document = form.basis(jurisdiction)
                access.check_can_change(form.user, jurisdiction.pk)
                access.check_can_cite(form.user, document)
                plan = make_plan(
                    parsed,
                    read_snapshot(jurisdiction, slug=data["slug"]),
                    slug=data["slug"],
                    title=data["title"] or None,
                    document_id=document.pk if document else None,
                    renames=frozenset(data["renames"]),
                )
            finally:
                transaction.set_rollback(True)
    except ImportRefused as refused:
        return {"problems": refused.problems}
    except (ValidationError, PermissionDenied) as error:
        return {"problems": problems_of(error)}
    if not plan.previewable:
        return {"problems": list(plan.problems[:MAX_PROBLEMS])}
    report = plan_report(plan, dry_run=True)
    return {
        "summary": report.lines()[0],
        "lists": _lists(plan),
        "renames": _offers(plan),
        "problems": report.problems,
    }


def confirm(form: ImportForm, progress: Say | None = None) -> tuple[Edition | None, ImportReport | list[Problem]]:
    """Import the uploaded file with the form's values: (the new draft, its report), or (None, why it was refused)."""
    data, jurisdiction = form.cleaned_data, form.target()
    path = stored(data["token"], form.user)
    try:
        with transaction.atomic():
            report = import_official(
                path,
                slug=data["slug"],
                title=data["title"] or None,
                jurisdiction=jurisdiction,
                document=form.basis(jurisdiction),
                effective_on=data["effective_on"],
                user=form.user,
                progress=progress,
                renames=frozenset(data["renames"]),
            )
    except ImportRefused as refused:
        return None, refused.problems
    except (ValidationError, PermissionDenied) as error:
        return None, problems_of(error)
    shutil.rmtree(path.parent, ignore_errors=True)
    return Edition.objects.get(slug=report.slug), report


def imported_message(report: ImportReport) -> str:
    return _("已导入草稿“%(slug)s”。%(summary)s核对无误后由审核人发布。") % {
        "slug": report.slug,
        "summary": report.lines()[0],
    }


def estimated_rows(path: Path) -> int | None:
    """The rows the workbook's sheets say they hold, read from their headers only; None when one does not say."""
    import openpyxl

    try:
        check_file(path)
        workbook = openpyxl.load_workbook(path, read_only=True)
    except Exception:  # a file that cannot be opened is refused by the preview itself, at once
        return 0
    try:
        rows = [sheet.max_row for sheet in workbook.worksheets]
    finally:
        workbook.close()
    # Some tools write no dimension (or "A1"): such a file could be of any size.
    return None if any(count is None or count <= 1 for count in rows) else sum(rows)


def is_large(path: Path | None) -> bool:
    """Whether the workbook is for a background job: more rows than IMPORT_JOB_MIN_ROWS, or of unknown size."""
    if path is None:
        return False
    rows = estimated_rows(path)
    return rows is None or rows > settings.IMPORT_JOB_MIN_ROWS


def problems_of(error: ValidationError | PermissionDenied) -> list[Problem]:
    texts = error.messages if isinstance(error, ValidationError) else [str(error)]
    return [Problem("", None, None, text) for text in texts]


def preview_as_json(found: dict) -> dict:
    """A preview as a job keeps it (Job.details)."""
    problems = [[problem.sheet, problem.row, problem.column, problem.message] for problem in found.get("problems", [])]
    return {**found, "problems": problems}


def preview_from_json(kept: dict) -> dict:
    return {**kept, "problems": [Problem(*problem) for problem in kept.get("problems", [])]}


def _lists(plan: Plan) -> list[tuple[str, list[tuple[str, str, str, str]]]]:
    """The adjustment as the preview prints it: (heading, rows of 编码, 事项, 调整前, 调整后)."""
    types = dict(ApprovalItem._meta.get_field("item_type").choices)
    yes_no = {True: _("是"), False: _("否")}

    def rows(changes: tuple[Change, ...], pair: Callable[[Change], tuple]) -> list[tuple[str, str, str, str]]:
        return [(change.code, change.label, *(str(value or "—") for value in pair(change))) for change in changes]

    return [
        (_("新增事项"), [("", new.label, "", _("新增")) for new in plan.added]),
        (_("退回原部门"), [(listed.code, listed.label, "", _("退回")) for listed in plan.returned]),
        (_("重新划转"), [(listed.code, listed.label, "", _("重新划转")) for listed in plan.brought_back]),
        (_("改名"), rows(plan.renamed, lambda c: c.name)),
        (_("事项类型变更"), rows(plan.retyped, lambda c: tuple(types.get(v, v) for v in c.item_type))),
        (_("划转部门变更"), rows(plan.moved, lambda c: (c.departments.old, c.departments.new))),
        (_("基本目录标记变更"), rows(plan.base_changed, lambda c: tuple(yes_no[v] for v in c.in_base_catalogue))),
        (_("备注变更"), rows(plan.remarks_changed, lambda c: c.remarks)),
    ]


def _offers(plan: Plan) -> list[list[str | bool]]:
    """The probable renames to tick: [编码, 原名称, 新名称, 部门, 事项类型, confirmed], as Job.details keeps them."""
    types = dict(ApprovalItem._meta.get_field("item_type").choices)
    return [
        [offer.item.code, offer.old_name, offer.name, offer.departments, str(types[offer.item_type]), offer.confirmed]
        for offer in plan.probable_renames
    ]


def store(upload, user) -> str:
    """Keep the upload under a new random token; sweep away what earlier uploads left over a day ago."""
    root = Path(settings.IMPORT_UPLOADS_DIR)
    root.mkdir(parents=True, exist_ok=True)
    deadline = time.time() - KEPT_FOR.total_seconds()
    for old in root.iterdir():
        if old.is_dir() and old.stat().st_mtime < deadline:
            shutil.rmtree(old, ignore_errors=True)
    token = secrets.token_urlsafe(24)
    folder = root / f"{user.pk}-{token}"
    folder.mkdir()
    try:
        name = get_valid_filename(Path(upload.name).name)
    except SuspiciousFileOperation:
        name = "workbook.xlsx"
    with open(folder / name, "wb") as out:
        for chunk in upload.chunks():
            out.write(chunk)
    return token


def stored(token: str, user) -> Path | None:
    """The file the user uploaded under `token`, or None when there is none (any more)."""
    if not _TOKEN.match(token):
        return None
    folder = Path(settings.IMPORT_UPLOADS_DIR) / f"{user.pk}-{token}"
    files = sorted(folder.iterdir()) if folder.is_dir() else []
    return files[0] if len(files) == 1 else None
