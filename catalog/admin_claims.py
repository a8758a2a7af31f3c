"""A county's claims page in the admin: the city's items with the county's decision on each, decided in bulk.

The list shows every main item of the city's register at its bureau, with the county's decision, its
reason and the county's own item; a clerk ticks items and applies 认领 / 由原部门实施 / 不认领 (with a
reason) through the one claims service. The claims workbook is downloaded and uploaded here too.
The city's staff see a county's page; only the county's own staff change it; others do not find it (404).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable
from pathlib import Path

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Q
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import access
from approvals.alignment import CATEGORIES, UNDECIDED
from approvals.claims import claimable_items, claims_decide
from approvals.models import ApprovalItem, Claim, ItemStatus, Jurisdiction, PolicyDocument
from catalog.exports.claims import claims_title, write_claims_xlsx
from catalog.imports.claims import claims_import
from catalog.imports.problems import ImportRefused
from spreadsheets.names import download_name

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ClaimsForm(forms.Form):
    """The bulk decision: which one, and for 不认领 its reason."""

    decision = forms.ChoiceField(label=gettext_lazy("认领情况"), choices=Claim.Decision.choices)
    reason = forms.ChoiceField(
        label=gettext_lazy("不认领理由"), choices=[("", "—")] + Claim.Reason.choices, required=False
    )
    reason_text = forms.CharField(
        label=gettext_lazy("理由说明"),
        max_length=300,
        required=False,
        help_text=gettext_lazy("不认领理由为“其他”时必填。"),
    )
    document = forms.ModelChoiceField(
        label=gettext_lazy("依据文件"),
        queryset=PolicyDocument.objects.none(),
        required=False,
        help_text=gettext_lazy(
            "本级事项随之登记的划转、退回或取消所依据的文件。基本目录外事项退回原部门实施，"
            "须选本级人民政府（或其办公室）印发的文件（朔政发〔2022〕20号第二条第二项）。"
        ),
        error_messages={"invalid_choice": gettext_lazy("所选依据文件不存在或不能引用。")},
    )
    effective_on = forms.DateField(
        label=gettext_lazy("生效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("不清楚时留空。"),
    )
    items = forms.ModelMultipleChoiceField(queryset=ApprovalItem.objects.none(), required=True)

    def __init__(self, *args, county: Jurisdiction, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["items"].queryset = claimable_items(county.parent)
        documents = PolicyDocument.objects.order_by("-issued_on", "number")
        self.fields["document"].queryset = access.scope_documents(documents, user, purpose="cite")
        self.fields["items"].error_messages["required"] = _("请先勾选要登记的事项。")


class UploadForm(forms.Form):
    workbook = forms.FileField(label=gettext_lazy("填好的认领表（.xlsx）"))


def _rows(county: Jurisdiction, decision: str):
    """The city's items with the county's claim and copy, in one query."""
    claims = Claim.objects.filter(county=county)
    items = (
        claimable_items(county.parent)
        .annotate(subs=Count("children", filter=Q(children__status=ItemStatus.BUREAU)))
        .order_by("code")
    )
    if decision == UNDECIDED:
        items = items.exclude(claims__county=county)
    elif decision in Claim.Decision.values:
        items = items.filter(claims__county=county, claims__decision=decision)
    decided = {claim.city_item_id: claim for claim in claims}
    copies = dict(
        ApprovalItem.objects.filter(jurisdiction=county, parent__isnull=True, derived_from__isnull=False)
        .exclude(status=ItemStatus.CANCELLED)
        .values_list("derived_from_id", "code")
    )
    return [(item, decided.get(item.pk), copies.get(item.pk, "")) for item in items]


def claims_view(model_admin) -> Callable[[HttpRequest, int], HttpResponse]:
    """The page of JobAdmin that lists and decides the county `county_id`'s claims."""

    def view(request: HttpRequest, county_id: int) -> HttpResponse:
        user = request.user
        county = (
            access.viewable_jurisdictions(user)
            .filter(pk=county_id, level=Jurisdiction.Level.COUNTY)
            .select_related("parent")
            .first()
        )
        if county is None or county.parent is None:
            raise Http404(_("没有这个县（市、区），或您无权查看。"))
        may_change = user.has_perm("approvals.add_approvalitem") and access.can_change(user, county.pk)
        if request.GET.get("format") == "xlsx":
            out = tempfile.SpooledTemporaryFile(max_size=2 * 1024 * 1024)
            write_claims_xlsx(county, out)
            out.seek(0)
            name = download_name(claims_title(county), "xlsx")
            return FileResponse(out, as_attachment=True, filename=name, content_type=XLSX)
        form = ClaimsForm(county=county, user=request.user)
        upload = UploadForm()
        problems = []
        if request.method == "POST":
            if not may_change:
                raise PermissionDenied(_("只有本县（市、区）的经办人可以登记认领情况。"))
            if "workbook" in request.FILES:
                upload = UploadForm(request.POST, request.FILES)
                if upload.is_valid():
                    problems = _import(request, county, upload.cleaned_data["workbook"])
                    if problems is None:
                        return redirect(request.get_full_path())
            else:
                form = ClaimsForm(request.POST, county=county, user=request.user)
                if form.is_valid() and _decide(request, county, form):
                    return redirect(request.get_full_path())
        decision = request.GET.get("decision", "")
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("%(county)s认领市级事项") % {"county": county.name},
            "opts": Jurisdiction._meta,
            "county": county,
            "rows": _rows(county, decision),
            "decision": decision,
            "categories": CATEGORIES.items(),
            "form": form,
            "upload": upload,
            "problems": problems,
            "may_change": may_change,
        }
        return TemplateResponse(request, "admin/catalog/job/county_claims.html", context)

    return view


def _decide(request: HttpRequest, county: Jurisdiction, form: ClaimsForm) -> bool:
    data = form.cleaned_data
    try:
        decided = claims_decide(
            county=county,
            items=list(data["items"]),
            decision=data["decision"],
            reason=data["reason"],
            reason_text=data["reason_text"],
            user=request.user,
            document=data["document"],
            effective_on=data["effective_on"],
        )
    except ValidationError as error:
        for message in error.messages:
            form.add_error(None, message)
        return False
    label = Claim.Decision(data["decision"]).label
    messages.success(
        request,
        _("已将 %(n)d 个事项登记为“%(decision)s”，新建本级事项 %(created)d 个（含子项）。")
        % {"n": len(data["items"]), "decision": label, "created": len(decided.created)},
    )
    return True


def _import(request: HttpRequest, county: Jurisdiction, upload) -> list[str] | None:
    """Apply the uploaded workbook; the problems (nothing applied), or None when it was applied."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "claims.xlsx"
        with path.open("wb") as out:
            for chunk in upload.chunks():
                out.write(chunk)
        try:
            rows = claims_import(county=county, path=path, user=request.user)
        except ImportRefused as refused:
            return [str(problem) for problem in refused.problems]
    messages.success(request, _("已导入认领表：登记 %(n)d 个事项的认领情况。") % {"n": rows})
    return None
