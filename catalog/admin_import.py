"""Uploading an official-layout workbook in the admin: a preview that writes nothing, then a confirmation.

The uploaded file waits in settings.IMPORT_UPLOADS_DIR, in a folder named by its uploader and a random
token, between the two steps; it is removed once imported, or a day later by the next upload. The
preview plans as `import_official`'s dry run does (workbook, snapshot, planner), keeping the plan to list
it by kind of change; the confirmation is `import_official` itself, with the new basis document (when the
form registers one) written in the same transaction.
"""

from __future__ import annotations

import datetime
import re
import secrets
import shutil
import time
from collections.abc import Callable
from pathlib import Path

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, SuspiciousFileOperation, ValidationError
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.text import get_valid_filename
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import access
from approvals.models import ApprovalItem, Jurisdiction, PolicyDocument
from catalog.imports.official import import_official
from catalog.imports.plan import Change, Plan
from catalog.imports.planner import make_plan
from catalog.imports.report import plan_report
from catalog.imports.snapshot import read_snapshot
from catalog.imports.workbook import MAX_PROBLEMS, ImportRefused, Problem, read_workbook
from catalog.models import Edition

KEPT_FOR = datetime.timedelta(days=1)
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


class ImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("工作簿"),
        required=False,
        help_text=gettext_lazy("官方版式的 .xlsx 文件（可由“导出官方版式”得到后修改）。"),
    )
    token = forms.CharField(required=False, widget=forms.HiddenInput)
    slug = forms.SlugField(label=gettext_lazy("新版本代码"), help_text=gettext_lazy("例如 2024，用于网址和命令。"))
    title = forms.CharField(
        label=gettext_lazy("标题"),
        max_length=200,
        required=False,
        help_text=gettext_lazy("留空则取工作簿的标题行。"),
    )
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("辖区"), queryset=Jurisdiction.objects.all())
    effective_on = forms.DateField(
        label=gettext_lazy("生效日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("重新划转和退回事件的生效日期，也是草稿的发布日期。"),
    )
    document = forms.ModelChoiceField(
        label=gettext_lazy("依据文件"),
        queryset=PolicyDocument.objects.all(),
        required=False,
        help_text=gettext_lazy("退回事件以此文件为依据。尚未登记的文件请在下面填写，确认导入时一并登记。"),
    )
    new_number = forms.CharField(label=gettext_lazy("新文件文号"), max_length=60, required=False)
    new_title = forms.CharField(label=gettext_lazy("新文件标题"), max_length=300, required=False)
    new_issuer = forms.CharField(label=gettext_lazy("新文件发文机关"), max_length=100, required=False)
    new_issued_on = forms.DateField(
        label=gettext_lazy("新文件发文日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["document"].queryset = access.scope_documents(PolicyDocument.objects.all(), user, purpose="cite")
        home = access.home_jurisdiction(user)
        if user.is_superuser:
            self.fields["jurisdiction"].initial = (
                home or Jurisdiction.objects.filter(code=settings.DEFAULT_JURISDICTION).first()
            )
        else:
            # Everyone else imports into the register they keep, and nowhere else.
            del self.fields["jurisdiction"]

    def clean_token(self) -> str:
        token = self.cleaned_data["token"]
        if token and stored(token, self.user) is None:
            raise ValidationError(_("上传的文件已不存在（超过一天会被清理），请重新选择文件。"), code="expired")
        return token

    def clean_new_number(self) -> str:
        number = self.cleaned_data["new_number"].strip()
        if number and PolicyDocument.objects.filter(number=number).exists():
            raise ValidationError(
                _("文号“%(number)s”已登记，请在“依据文件”中选择它。"), code="exists", params={"number": number}
            )
        return number

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("token") and "token" not in self.errors:
            self.add_error("file", ValidationError(_("请选择要导入的工作簿。"), code="required"))
        if cleaned.get("new_number"):
            if cleaned.get("document"):
                raise ValidationError(_("请选择一个已登记的依据文件，或者登记新文件，不要两者都填。"), code="both")
            if not cleaned.get("new_title", "").strip():
                self.add_error("new_title", ValidationError(_("登记新文件时须填写标题。"), code="required"))
        return cleaned

    def target(self) -> Jurisdiction:
        return self.cleaned_data.get("jurisdiction") or access.home_jurisdiction(self.user)

    def new_document(self, jurisdiction: Jurisdiction) -> PolicyDocument | None:
        """The document the form registers, unsaved; in the user's own jurisdiction (a superuser's: the import's)."""
        data = self.cleaned_data
        if not data["new_number"]:
            return None
        return PolicyDocument(
            jurisdiction=access.home_jurisdiction(self.user) or jurisdiction,
            number=data["new_number"],
            title=data["new_title"].strip(),
            issuer=data["new_issuer"].strip(),
            issued_on=data["new_issued_on"],
        )


def import_view(model_admin) -> Callable[[HttpRequest], HttpResponse]:
    """The admin page of EditionAdmin that uploads, previews and imports a workbook."""

    def view(request: HttpRequest) -> HttpResponse:
        if not model_admin.has_add_permission(request):
            raise PermissionDenied
        form = ImportForm(request.POST or None, request.FILES or None, user=request.user)
        preview = None
        if request.method == "POST" and form.is_valid():
            if form.cleaned_data["file"]:
                data = request.POST.copy()
                data["token"] = _store(form.cleaned_data["file"], request.user)
                form = ImportForm(data, user=request.user)
                form.is_valid()
            if "_confirm" in request.POST:
                edition, problems = _confirm(request, form)
                if edition is not None:
                    return redirect(reverse("admin:catalog_edition_change", args=[edition.pk]))
                preview = {"problems": problems, "refused": True}
            else:
                preview = _preview(form)
        path = stored(form["token"].value() or "", request.user)
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("导入官方版式工作簿"),
            "opts": model_admin.model._meta,
            "form": form,
            "preview": preview,
            "uploaded": path.name if path else None,
        }
        return TemplateResponse(request, "admin/catalog/edition/import_official.html", context)

    return view


def _preview(form: ImportForm) -> dict:
    """The dry run: what the import would do and every problem found; the register is left as it was."""
    data, jurisdiction = form.cleaned_data, form.target()
    try:
        parsed = read_workbook(stored(data["token"], form.user))
        with transaction.atomic():
            # A document the form registers is written only to plan with it, then rolled back.
            try:
                document = _register(form, jurisdiction) or data["document"]
                access.check_can_change(form.user, jurisdiction.pk)
                access.check_can_cite(form.user, document)
                plan = make_plan(
                    parsed,
                    read_snapshot(jurisdiction, slug=data["slug"]),
                    slug=data["slug"],
                    title=data["title"] or None,
                    document_id=document.pk if document else None,
                )
            finally:
                transaction.set_rollback(True)
    except ImportRefused as refused:
        return {"problems": refused.problems}
    except (ValidationError, PermissionDenied) as error:
        return {"problems": _problems(error)}
    if not plan.previewable:
        return {"problems": list(plan.problems[:MAX_PROBLEMS])}
    report = plan_report(plan, dry_run=True)
    return {"report": report, "summary": report.lines()[0], "lists": _lists(plan), "problems": report.problems}


def _confirm(request: HttpRequest, form: ImportForm) -> tuple[Edition | None, list[Problem]]:
    """Import the uploaded file with the form's values: the new draft, or None and why it was refused."""
    data, jurisdiction = form.cleaned_data, form.target()
    path = stored(data["token"], form.user)
    try:
        with transaction.atomic():
            report = import_official(
                path,
                slug=data["slug"],
                title=data["title"] or None,
                jurisdiction=jurisdiction,
                document=_register(form, jurisdiction) or data["document"],
                effective_on=data["effective_on"],
                user=request.user,
            )
    except ImportRefused as refused:
        return None, refused.problems
    except (ValidationError, PermissionDenied) as error:
        return None, _problems(error)
    shutil.rmtree(path.parent, ignore_errors=True)
    messages.success(
        request,
        _("已导入草稿“%(slug)s”。%(summary)s核对无误后由审核人发布。")
        % {"slug": report.slug, "summary": report.lines()[0]},
    )
    return Edition.objects.get(slug=report.slug), []


def _register(form: ImportForm, jurisdiction: Jurisdiction) -> PolicyDocument | None:
    """Write the document the form registers, in the caller's transaction."""
    document = form.new_document(jurisdiction)
    if document is None:
        return None
    access.check_can_change(form.user, document.jurisdiction_id)
    document.full_clean()
    document.save()
    return document


def _problems(error: ValidationError | PermissionDenied) -> list[Problem]:
    texts = error.messages if isinstance(error, ValidationError) else [str(error)]
    return [Problem("", None, None, text) for text in texts]


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
        (_("事项类型变更"), rows(plan.retyped, lambda c: tuple(types.get(v, v) for v in c.item_type))),
        (_("划转部门变更"), rows(plan.moved, lambda c: (c.departments.old, c.departments.new))),
        (_("基本目录标记变更"), rows(plan.base_changed, lambda c: tuple(yes_no[v] for v in c.in_base_catalogue))),
        (_("备注变更"), rows(plan.remarks_changed, lambda c: c.remarks)),
    ]


def _store(upload, user) -> str:
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
