"""市级变化核对 in the admin (registered by catalog/admin.py): a county's queue of the city's changes to the items
it carries (catalog/upstream.py). Each entry shows, column by column, the city's value before and after and the
county's value now; the clerk takes the change over, or keeps the county's value with a reason.

Scoped like every admin page (approvals.admin_scope): a county's clerks see and decide their county's queue.
Entries arrive when the city publishes: nobody adds or deletes one here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Min
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.admin_queues import QueueAdmin
from catalog.upstream import UpstreamChange, county_value, keep, take_over

TAKE, KEEP = "take", "keep"


class DecisionForm(forms.ModelForm):
    decision = forms.ChoiceField(
        label=gettext_lazy("核对结果"),
        choices=[(TAKE, gettext_lazy("采纳市级变化")), (KEEP, gettext_lazy("保留本级的值（须写明理由）"))],
        widget=forms.RadioSelect,
    )

    class Meta:
        model = UpstreamChange
        fields = ("reason",)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("decision") == KEEP and not (cleaned.get("reason") or "").strip():
            self.add_error("reason", ValidationError(_("保留本级的值须写明理由。"), code="required"))
        return cleaned


class UpstreamChangeAdmin(QueueAdmin):
    handling_permissions = ("catalog.change_upstreamchange", "approvals.change_approvalitem")
    form = DecisionForm
    list_display = ("county_item", "jurisdiction", "edition", "columns", "status", "age", "decided_by")
    list_filter = ("status", "jurisdiction")
    list_select_related = ("county_item", "jurisdiction", "edition", "decided_by")
    search_fields = ("county_item__code", "county_item__name", "reason")
    readonly_fields = ("county_item", "jurisdiction", "edition", "comparison", "status", "decided_by", "decided_at")
    actions = ("take_over_selected",)

    def get_fields(self, request, obj=None):
        decided = obj is not None and obj.status != UpstreamChange.Status.PENDING
        shown = ["county_item", "jurisdiction", "edition", "comparison", "status"]
        return shown + (["reason", "decided_by", "decided_at"] if decided else ["decision", "reason"])

    def get_readonly_fields(self, request, obj=None):
        decided = obj is not None and obj.status != UpstreamChange.Status.PENDING
        return (*self.readonly_fields, "reason") if decided else self.readonly_fields

    # --- deciding ---------------------------------------------------------------------------------
    def save_model(self, request, obj, form, change):
        if form.cleaned_data["decision"] == KEEP:
            keep(obj, reason=form.cleaned_data["reason"], user=request.user)
            return
        by_hand = take_over(obj, user=request.user)
        if by_hand:
            self.message_user(request, _by_hand_message(obj, by_hand), messages.WARNING)

    @admin.action(description=gettext_lazy("采纳所选市级变化"), permissions=["change"])
    def take_over_selected(self, request, queryset):
        taken = 0
        for change in queryset.filter(status=UpstreamChange.Status.PENDING).select_related("county_item"):
            try:
                by_hand = take_over(change, user=request.user)
            except ValidationError as error:
                self.message_user(request, f"{change.county_item.code}：{'；'.join(error.messages)}", messages.ERROR)
                continue
            taken += 1
            if by_hand:
                self.message_user(request, _by_hand_message(change, by_hand), messages.WARNING)
        self.message_user(request, _("已采纳 %(n)d 项市级变化。") % {"n": taken}, messages.SUCCESS)

    # --- what is shown ----------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("逐列对照"))
    def comparison(self, obj: UpstreamChange) -> str:
        head = format_html(
            "<tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
            _("列"),
            _("市级原值"),
            _("市级新值"),
            _("本级现值"),
        )
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            (
                (row["column"], row["before"], row["after"], county_value(obj.county_item, row["column"]))
                for row in obj.changes
            ),
        )
        return format_html('<table class="upstream-comparison"><thead>{}</thead><tbody>{}</tbody></table>', head, rows)

    @admin.display(description=gettext_lazy("已过时间"), ordering="created_at")
    def age(self, obj: UpstreamChange) -> str:
        return timesince(obj.created_at, depth=1)

    # --- the admin index's queue (approvals.admin_scope.RegisterAdminSite.index) ----------------
    def index_queue(self, request) -> dict | None:
        """The pending changes the user may decide: how many, and how long the oldest has waited."""
        if not self.has_view_permission(request):
            return None
        pending = self.get_queryset(request).filter(status=UpstreamChange.Status.PENDING).order_by()
        figures = pending.aggregate(count=Count("pk"), oldest=Min("created_at"))  # one query, as 群众留言's
        if not figures["count"]:
            return None
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        summary = _("%(count)d 项待核对，最早一项已等 %(age)s") % {
            "count": figures["count"],
            "age": timesince(figures["oldest"], depth=1),
        }
        return {"title": opts.verbose_name_plural, "summary": summary, "url": f"{url}?status__exact=pending"}


def _by_hand_message(change: UpstreamChange, columns: list[str]) -> str:
    return _("“%(item)s”已采纳；%(columns)s是本级登记的内容，请在本级事项中另行调整或登记。") % {
        "item": change.county_item.code,
        "columns": "、".join(columns),
    }
