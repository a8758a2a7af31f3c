"""Forms of the clerks' desk: the item form with its lost-update guard, the department inline, the action form."""

from concurrency.exceptions import VersionError
from concurrency.forms import ConcurrentForm, VersionField
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals import access, rules
from approvals.models import ApprovalItem, Department, PolicyDocument

STALE_MESSAGE = _(
    "保存被拒绝：在您打开此页面之后，其他人已经修改并保存了这个事项。"
    "您的修改没有保存，对方的修改保持不变。请重新打开此事项，核对最新内容后再修改。"
)


class CheckedVersionField(VersionField):
    """The signed version of the form; a tampered or garbled one is a form error, not a server error."""

    def to_python(self, value):
        try:
            return super().to_python(value)
        except VersionError:
            raise ValidationError(_("表单版本号无效，请重新打开此页面。"), code="bad_version") from None


class ApprovalItemForm(ConcurrentForm):
    class Meta:
        model = ApprovalItem
        fields = "__all__"

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if "version" in self.fields:
            self.fields["version"] = CheckedVersionField(widget=self.fields["version"].widget)

    def clean_basic_code(self) -> str:
        # Codes are printed in capitals; a clerk may type them otherwise or paste a space along.
        return self.cleaned_data["basic_code"].strip().upper()

    def clean(self):
        if "version" in self.cleaned_data:
            cleaned = super().clean()
        else:  # the version itself was refused: there is nothing to compare
            cleaned = forms.ModelForm.clean(self)
        # django-concurrency reports a stale form in English; say it in the clerks' words.
        errors = self._errors.get(NON_FIELD_ERRORS)
        if errors and "Record Modified" in errors:
            self._errors[NON_FIELD_ERRORS] = self.error_class([STALE_MESSAGE])
        jurisdiction, parent = cleaned.get("jurisdiction"), cleaned.get("parent")
        if jurisdiction is not None:
            if parent is not None and self.instance.pk and parent.pk == self.instance.pk:
                raise ValidationError({"parent": _("事项不能是自己的主项。")}, code="self_parent")
            try:
                rules.item_validate_placement(jurisdiction=jurisdiction, parent=parent)
            except ValidationError as error:
                self.add_error("parent", error)
        return cleaned


class DepartmentForm(forms.ModelForm):
    """A department; its 统一社会信用代码 is checked by the model's validator (GB 32100-2015, in Chinese)."""

    class Meta:
        model = Department
        # The admin page decides which fields it shows; a narrower list here would hide the others there.
        fields = "__all__"  # noqa: DJ007

    def clean_credit_code(self) -> str:
        # Stored as the code is printed: capitals, no surrounding space (the check reads it so too).
        return self.cleaned_data["credit_code"].strip().upper()


class ItemDepartmentFormSet(BaseInlineFormSet):
    """The departments of an item: the same origin rule as services.item_create."""

    def clean(self):
        super().clean()
        if any(self.errors):
            return
        kept = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("department")
        ]
        departments = [row["department"] for row in sorted(kept, key=lambda row: row.get("position") or 0)]
        item = self.instance
        # The same rules as services.item_set_departments and item_create, asked before anything is saved.
        rules.item_validate_departments(jurisdiction_id=item.jurisdiction_id, departments=departments)
        rules.item_validate_origin(name=item.name, departments=departments, source_text=item.source_text or "")


class TransferActionForm(forms.Form):
    """What every status change asks for: when it takes effect and on what legal basis.

    The basis is a registered document, or a new one registered here, in the user's own
    jurisdiction, in the same transaction as the events (`document_create`).
    """

    NEW_DOCUMENT_FIELDS = ("new_number", "new_title", "new_issuer", "new_issued_on")

    effective_on = forms.DateField(
        label=_("生效日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("按依据文件规定的生效日期填写。晚于今天时，事项状态到那一天才改变，在此之前页面注明将于何日生效。"),
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=300)
    document = forms.ModelChoiceField(
        label=_("依据文件"),
        queryset=PolicyDocument.objects.order_by("-issued_on", "number"),
        required=False,
        help_text=_("选择已登记的文件；列表中没有时，在下面登记新文件。"),
        error_messages={"invalid_choice": _("所选依据文件不存在。")},
    )
    new_number = forms.CharField(
        label=_("文号"), required=False, max_length=60, help_text=_("例如“朔政发〔2022〕20号”。")
    )
    new_title = forms.CharField(label=_("标题"), required=False, max_length=300)
    new_issuer = forms.CharField(label=_("发文机关"), required=False, max_length=100)
    new_issued_on = forms.DateField(
        label=_("发文日期"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("不清楚时留空。"),
    )

    fieldsets = (
        (None, {"fields": ("effective_on", "note")}),
        (_("依据文件"), {"fields": ("document",)}),
        (
            _("或登记新的依据文件"),
            {
                "fields": NEW_DOCUMENT_FIELDS,
                "description": _("新文件登记在您所属的辖区，与本次划转记录一并保存。"),
            },
        ),
    )

    def __init__(self, *args, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.user = user

    def clean_new_number(self) -> str:
        number = self.cleaned_data["new_number"].strip()
        if number and PolicyDocument.objects.filter(number=number).exists():
            raise ValidationError(
                _("文号“%(number)s”已经登记，请在“依据文件”中选择它。"),
                code="duplicate_number",
                params={"number": number},
            )
        return number

    def clean(self):
        data = super().clean()
        wants_new = any(data.get(name) for name in self.NEW_DOCUMENT_FIELDS) or any(
            name in self.errors for name in self.NEW_DOCUMENT_FIELDS
        )
        if data.get("document") and wants_new:
            raise ValidationError(
                _("请选择已登记的依据文件，或者登记新文件，二者只能填写一项。"), code="both_documents"
            )
        if not wants_new:
            if "document" not in self.errors and not data.get("document"):
                raise ValidationError(_("请选择依据文件，或填写文号和标题登记新文件。"), code="no_document")
            return data
        for name, message in (("new_number", _("登记新文件须填写文号。")), ("new_title", _("登记新文件须填写标题。"))):
            if name not in self.errors and not data.get(name, "").strip():
                self.add_error(name, ValidationError(message, code="required"))
        if self.user is not None and not self.user.has_perm("approvals.add_policydocument"):
            raise ValidationError(_("您没有登记政策文件的权限，请选择已登记的依据文件。"), code="no_permission")
        if access.home_jurisdiction(self.user) is None:
            raise ValidationError(_("您没有所属辖区，不能登记新文件，请选择已登记的依据文件。"), code="no_jurisdiction")
        return data

    def document_create(self) -> PolicyDocument:
        """The chosen document, or the new one saved in the user's jurisdiction (call inside the transaction)."""
        if self.cleaned_data["document"] is not None:
            return self.cleaned_data["document"]
        document = PolicyDocument(
            jurisdiction=access.home_jurisdiction(self.user),
            number=self.cleaned_data["new_number"],
            title=self.cleaned_data["new_title"].strip(),
            issuer=self.cleaned_data["new_issuer"].strip(),
            issued_on=self.cleaned_data["new_issued_on"],
        )
        document._history_user = self.user
        document.save()
        return document
