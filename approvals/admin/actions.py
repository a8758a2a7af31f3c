"""Admin actions that change an item's status, and the register-as-of-a-date page.

Each action first checks that every selected item (and each sub-item) can take the event, and
otherwise sends the user back to the list saying which cannot and why. It then asks for the
effective date and the legal basis document (or registers a new one) on an intermediate page,
and calls the matching service for every selected item in one transaction: if any item cannot
take the event, none is changed.
"""

import datetime

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import IntegrityError, transaction
from django.template.response import TemplateResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import access, effective, notice_rules, rules, services
from approvals.admin.forms import TransferActionForm
from approvals.models import ApprovalItem, Jurisdiction, Transfer

ACTION_TEMPLATE = "admin/approvals/approvalitem/transfer_action.html"
ON_DATE_TEMPLATE = "admin/approvals/approvalitem/on_date.html"


MAX_REFUSALS_SHOWN = 20


def _refusals(kind: str, targets: list[ApprovalItem]) -> list[str]:
    """Why each of the items, or one of their sub-items, cannot take the event (empty: all can)."""
    children = ApprovalItem.objects.filter(parent__in=[item.pk for item in targets])
    items = sorted([*targets, *children], key=lambda item: item.code)
    waiting = effective.pending_of(item.pk for item in items)
    refused = []
    for item in items:
        try:
            rules.check_nothing_pending(code=item.code, name=item.name, pending=waiting.get(item.pk))
            rules.next_status(kind, code=item.code, name=item.name, status=item.status)
        except rules.TransitionRefused as error:
            refused.extend(error.messages)
    return refused


def _recorded_message(kind: str, items: int, events: int, effective_on: datetime.date) -> str:
    """What the clerk is told once the events are written; a later date says that nothing changes before it."""
    values = {"items": items, "action": Transfer.Kind(kind).label, "events": events}
    if effective_on > timezone.localdate():
        values["date"] = rules.date_text(effective_on)
        return (
            _("已为 %(items)d 个事项登记“%(action)s”，共写入 %(events)d 条划转记录。")
            + _("将于 %(date)s 生效，在此之前事项状态不变。")
        ) % values
    return _("已为 %(items)d 个事项登记“%(action)s”，共写入 %(events)d 条划转记录。") % values


def _make_action(kind: str, service, description: str):
    def action(modeladmin, request, queryset):
        # A main item carries its sub-items along; selecting both must not record the event twice.
        selected = list(queryset.select_related("parent").order_by("code"))
        selected_ids = {item.pk for item in selected}
        targets = [item for item in selected if item.parent_id not in selected_ids]
        # Refused before the form is shown, so that no one fills it in for nothing; the service asks again.
        refused = _refusals(kind, targets)
        if refused:
            for message in refused[:MAX_REFUSALS_SHOWN]:
                modeladmin.message_user(request, message, messages.ERROR)
            if len(refused) > MAX_REFUSALS_SHOWN:
                modeladmin.message_user(
                    request,
                    _("另有 %(count)d 个事项也不能登记。") % {"count": len(refused) - MAX_REFUSALS_SHOWN},
                    messages.ERROR,
                )
            modeladmin.message_user(request, _("没有登记任何事项。"), messages.ERROR)
            return None
        form = TransferActionForm(request.POST if "apply" in request.POST else None, user=request.user)
        form.fields["document"].queryset = access.scope_documents(
            form.fields["document"].queryset, request.user, purpose="cite"
        )
        if form.is_valid() and kind == Transfer.Kind.RETURN and not form.cleaned_data["note"].strip():
            base = notice_rules.needs_return_reason(targets)
            if base:  # the admin asks for the reason the official tables never give (二.1)
                form.add_error("note", notice_rules.RETURN_REASON_MESSAGE % {"count": len(base)})
        if form.is_valid():
            try:
                with transaction.atomic():
                    document = form.document_create()
                    written = 0
                    for item in targets:
                        written += len(
                            service(
                                item=item,
                                effective_on=form.cleaned_data["effective_on"],
                                document=document,
                                note=form.cleaned_data["note"],
                                user=request.user,
                            )
                        )
            except ValidationError as error:
                form.add_error(None, error)
            except PermissionDenied as error:
                form.add_error(None, str(error))
            except IntegrityError:  # the same 文号 registered by someone else meanwhile
                form.add_error("new_number", _("这个文号刚刚已被登记，请在“依据文件”中选择它。"))
            else:
                message = _recorded_message(kind, len(targets), written, form.cleaned_data["effective_on"])
                modeladmin.message_user(request, message, messages.SUCCESS)
                return None
        adminform = helpers.AdminForm(form, list(form.fieldsets), {}, model_admin=modeladmin)
        context = {
            **modeladmin.admin_site.each_context(request),
            "title": description,
            "opts": modeladmin.model._meta,
            "adminform": adminform,
            "errors": helpers.AdminErrorList(form, []),
            "items": targets,
            "action_name": request.POST.get("action"),
            "selected": [str(item.pk) for item in selected],
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "media": modeladmin.media + adminform.media,
        }
        return TemplateResponse(request, ACTION_TEMPLATE, context)

    action.__name__ = f"record_{kind}"
    return admin.action(description=description, permissions=["record_transfer"])(action)


TRANSFER_ACTIONS = [
    _make_action(Transfer.Kind.TRANSFER, services.item_transfer, gettext_lazy("划转至审批服务管理局")),
    _make_action(Transfer.Kind.RETURN, services.item_return, gettext_lazy("退回原部门")),
    _make_action(Transfer.Kind.CANCEL, services.item_cancel, gettext_lazy("取消事项")),
    _make_action(Transfer.Kind.ACCEPT, services.item_accept, gettext_lazy("登记承接上级下放")),
    _make_action(Transfer.Kind.DEVOLVE, services.item_devolve, gettext_lazy("登记下放实施")),
]


class OnDateForm(forms.Form):
    date = forms.DateField(label=gettext_lazy("日期"), widget=forms.DateInput(attrs={"type": "date"}))
    jurisdiction = forms.ModelChoiceField(
        label=gettext_lazy("辖区"), queryset=Jurisdiction.objects.all(), to_field_name="code", required=False
    )


def register_on_date_view(model_admin):
    """The page listing the main items that were at the bureau on a given day."""

    def view(request):
        if not model_admin.has_view_permission(request):
            raise PermissionDenied
        form = OnDateForm(request.GET or {"date": timezone.localdate().isoformat()})
        form.fields["jurisdiction"].queryset = access.viewable_jurisdictions(request.user)
        page = None
        if form.is_valid():
            items = model_admin.scope_rows(
                ApprovalItem.objects.main_items().at_bureau(on=form.cleaned_data["date"]), request
            )
            if form.cleaned_data["jurisdiction"]:
                items = items.filter(jurisdiction=form.cleaned_data["jurisdiction"])
            items = effective.with_pending(items.select_related("jurisdiction").order_by("code"))
            page = Paginator(items, 100).get_page(request.GET.get("page"))
            for item in page:
                # Today's status beside the day's answer: an item may be there on that day only by a dated event.
                item.upcoming = effective.upcoming_text(item.pending_kind, item.pending_on) if item.pending_kind else ""
        context = {
            **model_admin.admin_site.each_context(request),
            "title": _("某日在审批服务管理局实施的事项"),
            "opts": model_admin.model._meta,
            "form": form,
            "page": page,
        }
        return TemplateResponse(request, ON_DATE_TEMPLATE, context)

    return view
