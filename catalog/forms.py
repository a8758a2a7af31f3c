"""The admin's forms for work that cites a legal basis: importing a workbook, deriving a county catalogue.

Both let the clerk choose a registered policy document or register a new one in the same form; the new one is
written in the same transaction as the work it is the basis of, so a refused import or derive leaves no document.
A background job rebuilds its form from the values it was started with (Job.params) and validates them again.
"""

from __future__ import annotations

import re

from django import forms
from django.conf import settings
from django.contrib.admin import helpers
from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import access
from approvals.models import Jurisdiction, PolicyDocument
from catalog.import_upload import stored

# Long titles in the admin's wide text box (admin/css/forms.css), as its change forms show them.
WIDE = {"class": "vTextField"}
ITEM_CODE = re.compile(r"[\w-]{1,40}")


class ItemCodesField(forms.MultipleChoiceField):
    """Item codes the clerk ticked. Which ones may be ticked only the import's plan knows: it refuses the others."""

    widget = forms.CheckboxSelectMultiple
    default_error_messages = {"invalid_choice": gettext_lazy("“%(value)s”不是事项编码。")}

    def valid_value(self, value: str) -> bool:
        return bool(ITEM_CODE.fullmatch(value))


class BasisDocumentForm(forms.Form):
    """A registered document to cite, or the fields of a new one (文号, 标题, 发文机关, 日期)."""

    document = forms.ModelChoiceField(
        label=gettext_lazy("依据文件"),
        queryset=PolicyDocument.objects.all(),
        required=False,
        help_text=gettext_lazy("尚未登记的文件请在下面填写，确认时一并登记。"),
    )
    new_number = forms.CharField(label=gettext_lazy("新文件文号"), max_length=60, required=False)
    new_title = forms.CharField(
        label=gettext_lazy("新文件标题"), max_length=300, required=False, widget=forms.TextInput(attrs=WIDE)
    )
    new_issuer = forms.CharField(label=gettext_lazy("新文件发文机关"), max_length=100, required=False)
    new_issued_on = forms.DateField(
        label=gettext_lazy("新文件发文日期"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    document_required = False
    # The form's groups as the admin shows them: (heading, fields); fields a user lacks are left out.
    layout: tuple[tuple[str | None, tuple[str, ...]], ...] = (
        (gettext_lazy("依据文件"), ("document", "new_number", "new_title", "new_issuer", "new_issued_on")),
    )

    def __init__(self, *args, user: AbstractBaseUser, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user
        self.fields["document"].queryset = access.scope_documents(PolicyDocument.objects.all(), user, purpose="cite")

    def admin_form(self) -> helpers.AdminForm:
        """The form laid out as the admin's own pages are (aligned labels, help under each field, grouped)."""
        fieldsets = [
            (heading, {"fields": [name for name in names if name in self.fields]}) for heading, names in self.layout
        ]
        return helpers.AdminForm(self, fieldsets, {})

    def clean_new_number(self) -> str:
        number = self.cleaned_data["new_number"].strip()
        if number and PolicyDocument.objects.filter(number=number).exists():
            raise ValidationError(
                _("文号“%(number)s”已登记，请在“依据文件”中选择它。"), code="exists", params={"number": number}
            )
        return number

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("new_number"):
            if cleaned.get("document"):
                raise ValidationError(_("请选择一个已登记的依据文件，或者登记新文件，不要两者都填。"), code="both")
            if not cleaned.get("new_title", "").strip():
                self.add_error("new_title", ValidationError(_("登记新文件时须填写标题。"), code="required"))
        elif self.document_required and not cleaned.get("document") and "new_number" not in self.errors:
            self.add_error("document", ValidationError(_("请选择依据文件，或者在下面登记新文件。"), code="required"))
        return cleaned

    def new_document(self, jurisdiction: Jurisdiction) -> PolicyDocument | None:
        """The document the form registers, unsaved; in the user's own jurisdiction (a superuser's: `jurisdiction`)."""
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

    def basis(self, jurisdiction: Jurisdiction) -> PolicyDocument | None:
        """The document chosen, or the new one written now, in the caller's transaction."""
        document = self.new_document(jurisdiction)
        if document is None:
            return self.cleaned_data["document"]
        access.check_can_change(self.user, document.jurisdiction_id)
        document.full_clean()
        document.save()
        return document

    def values(self) -> dict[str, str | list[str]]:
        """The submitted values of the form's own fields, as a background job keeps them to validate again."""
        return {
            # A field of several values (the renames ticked) keeps them all, where self.data[name] gives the last.
            name: self.data.getlist(name) if isinstance(field, forms.MultipleChoiceField) else self.data[name]
            for name, field in self.fields.items()
            if name in self.data and name != "file"
        }


class ImportForm(BasisDocumentForm):
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
        widget=forms.TextInput(attrs=WIDE),
        help_text=gettext_lazy("留空则取工作簿的标题行。"),
    )
    jurisdiction = forms.ModelChoiceField(label=gettext_lazy("辖区"), queryset=Jurisdiction.objects.all())
    effective_on = forms.DateField(
        label=gettext_lazy("生效日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("重新划转和退回事件的生效日期，也是草稿的发布日期。"),
    )
    # Ticked in the preview's list of probable renames, which is where the page shows them (not in `layout`).
    renames = ItemCodesField(label=gettext_lazy("确认的改名"), required=False)
    field_order = ["file", "token", "slug", "title", "jurisdiction", "effective_on", "document"]
    layout = (
        (gettext_lazy("工作簿与新版本"), ("file", "slug", "title", "jurisdiction", "effective_on")),
        *BasisDocumentForm.layout,
    )

    def __init__(self, *args, user: AbstractBaseUser, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["document"].help_text = _(
            "退回事件以此文件为依据。尚未登记的文件请在下面填写，确认导入时一并登记。"
        )
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

    def clean(self):
        cleaned = super().clean()
        if not cleaned.get("file") and not cleaned.get("token") and "token" not in self.errors:
            self.add_error("file", ValidationError(_("请选择要导入的工作簿。"), code="required"))
        return cleaned

    def target(self) -> Jurisdiction:
        return self.cleaned_data.get("jurisdiction") or access.home_jurisdiction(self.user)


class CountyDeriveForm(BasisDocumentForm):
    """Deriving a county's catalogue from the city's latest edition, with the county's own legal basis."""

    effective_on = forms.DateField(
        label=gettext_lazy("划转生效日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=gettext_lazy("县级审批服务管理局承接这些事项的日期；不清楚可不填。"),
    )
    field_order = ["effective_on", "document"]
    layout = ((None, ("effective_on",)), *BasisDocumentForm.layout)
    document_required = True

    def __init__(self, *args, user: AbstractBaseUser, **kwargs):
        super().__init__(*args, user=user, **kwargs)
        self.fields["document"].help_text = _(
            "县级划转的依据文件。尚未登记的文件请在下面填写，派生时一并登记为本辖区的文件。"
        )
