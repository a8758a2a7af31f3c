"""群众留言 in the admin (registered by catalog/admin.py): the clerks of an item's jurisdiction read the messages
about it, set their status and reply (catalog.feedback.feedback_answer records who replied).

Scoped like every admin page (approvals.admin_scope): a county's clerk sees and answers only the county's
messages; the city's clerks read the counties' too, and answer their own. Messages arrive from the public
item pages only: nobody adds or deletes one here.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.timesince import timesince
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from catalog.admin_queues import QueueAdmin
from catalog.feedback import feedback_answer, open_queue
from catalog.models import Feedback


class FeedbackAnswerForm(forms.ModelForm):
    class Meta:
        model = Feedback
        fields = ("status", "reply")

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("status") == Feedback.Status.ANSWERED and not (cleaned.get("reply") or "").strip():
            message = _("处理状态为“已答复”时，请填写答复内容。")
            self.add_error("reply", ValidationError(message, code="reply_required"))
        return cleaned


class StatusFilter(admin.SimpleListFilter):
    """The status, and the open ones together: the admin index's queue links here (`?state=open`)."""

    title = gettext_lazy("处理状态")
    parameter_name = "state"
    OPEN = "open"

    def lookups(self, request, model_admin):
        return [(self.OPEN, _("待处理（新收到、处理中）")), *Feedback.Status.choices]

    def queryset(self, request, queryset):
        value = self.value()
        if value == self.OPEN:
            return queryset.open()
        if value in Feedback.Status.values:
            return queryset.filter(status=value)
        return queryset


class FeedbackAdmin(QueueAdmin):
    handling_permissions = ("catalog.change_feedback", "approvals.change_approvalitem")
    form = FeedbackAnswerForm
    list_display = ("created_at", "status", "age", "item", "jurisdiction", "excerpt", "replied_by")
    list_filter = (StatusFilter, "jurisdiction")
    list_select_related = ("item", "jurisdiction", "replied_by")
    search_fields = ("item__code", "item__name", "message", "contact", "reply")
    fields = ("item", "jurisdiction", "created_at", "message", "contact", "status", "reply", "replied_by", "updated_at")
    readonly_fields = ("item", "jurisdiction", "created_at", "message", "contact", "replied_by", "updated_at")

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        feedback_answer(feedback=obj, status=data["status"], reply=data["reply"], user=request.user)

    # --- the list -------------------------------------------------------------------------------
    @admin.display(description=gettext_lazy("已过时间"), ordering="created_at")
    def age(self, obj: Feedback) -> str:
        return timesince(obj.created_at, depth=1)

    @admin.display(description=gettext_lazy("留言"))
    def excerpt(self, obj: Feedback) -> str:
        return Truncator(obj.message).chars(40)  # text: the admin escapes it like any value

    # --- the admin index's queue (approvals.admin_scope.RegisterAdminSite.index) ----------------
    def index_queue(self, request) -> dict | None:
        """The open messages the user may read: how many, and how long the oldest has waited."""
        if not self.has_view_permission(request):
            return None
        queue = open_queue(self.get_queryset(request))
        opts = self.model._meta
        url = reverse(f"admin:{opts.app_label}_{opts.model_name}_changelist")
        if queue.count:
            summary = _("%(count)d 条待处理（新收到、处理中），最早一条已等 %(age)s") % {
                "count": queue.count,
                "age": timesince(queue.oldest, depth=1),
            }
        else:
            summary = _("没有待处理的留言")
        return {
            "title": opts.verbose_name_plural,
            "summary": summary,
            "url": f"{url}?{StatusFilter.parameter_name}={StatusFilter.OPEN}",
        }
