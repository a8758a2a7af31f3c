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

from approvals.admin_scope import ScopedAdmin
from catalog.feedback import feedback_answer, open_queue
from catalog.models import Feedback

# No migration grants catalog's feedback permissions to the 经办人 and 审核人 groups: whoever may change the
# register's items answers the messages about them (within their jurisdiction, by the scoping rule).
HANDLING_PERMISSIONS = ("catalog.change_feedback", "approvals.change_approvalitem")


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


class FeedbackAdmin(ScopedAdmin):
    form = FeedbackAnswerForm
    list_display = ("created_at", "status", "age", "item", "jurisdiction", "excerpt", "replied_by")
    list_filter = (StatusFilter, "jurisdiction")
    list_select_related = ("item", "jurisdiction", "replied_by")
    search_fields = ("item__code", "item__name", "message", "contact", "reply")
    fields = ("item", "jurisdiction", "created_at", "message", "contact", "status", "reply", "replied_by", "updated_at")
    readonly_fields = ("item", "jurisdiction", "created_at", "message", "contact", "replied_by", "updated_at")

    # --- who: those who keep the register, within their scope --------------------------------------
    def _handles_register(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and any(user.has_perm(perm) for perm in HANDLING_PERMISSIONS)

    def has_module_permission(self, request):
        return self._handles_register(request)

    def has_view_permission(self, request, obj=None):
        return self._handles_register(request) and self._in_scope(request, obj, for_change=False)

    def has_change_permission(self, request, obj=None):
        return self._handles_register(request) and self._in_scope(request, obj, for_change=True)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # a citizen's message stays on record; 不予采纳 closes it

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
