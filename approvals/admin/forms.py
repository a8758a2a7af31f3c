"""Forms of the clerks' desk: the item form with its lost-update guard, the department inline, the action form."""

from concurrency.exceptions import VersionError
from concurrency.forms import ConcurrentForm, VersionField
from django import forms
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.forms.models import BaseInlineFormSet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from approvals import rules
from approvals.models import ApprovalItem, PolicyDocument

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
    """What every status change asks for: when it takes effect and on what legal basis."""

    effective_on = forms.DateField(
        label=_("生效日期"),
        initial=timezone.localdate,
        widget=forms.DateInput(attrs={"type": "date"}),
        help_text=_("按依据文件规定的生效日期填写。"),
    )
    document = forms.ModelChoiceField(
        label=_("依据文件"),
        queryset=PolicyDocument.objects.order_by("-issued_on", "number"),
        help_text=_("列表中没有时，请先在“政策文件”中添加。"),
        error_messages={"required": _("请选择依据文件。"), "invalid_choice": _("所选依据文件不存在。")},
    )
    note = forms.CharField(label=_("说明"), required=False, max_length=300)
