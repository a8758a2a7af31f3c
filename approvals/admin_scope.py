"""One scoping rule for the whole admin.

Every model admin reaches its rows through `ScopedAdmin.scope_rows`, which asks
approvals/access.py: the changelist, change and delete pages, django-simple-history's
history and record pages, actions, autocomplete, filter choices and the choices of
related fields. Custom admin views read rows through `scope_rows` too.

The admin site (`RegisterAdminSite`) refuses to leave a model admin unscoped:
an admin class registered without `ScopedAdmin` is made superuser-only, so a page
added later is closed by default rather than open by oversight. History record
pages are read-only for everyone: no POST to them changes anything.
"""

from __future__ import annotations

import functools

from concurrency.exceptions import RecordModifiedError
from django.contrib import admin, messages
from django.contrib.admin import RelatedOnlyFieldListFilter, helpers
from django.core.exceptions import PermissionDenied
from django.db import models
from django.db.models import QuerySet
from django.http import Http404
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from approvals import access
from approvals.models import Jurisdiction

# Actions that only read the selected rows (an export): staff may run them on every row they may view.
READ_ONLY_ACTIONS = {"export_admin_action"}


class PlainActionCheckbox:
    """The changelist's row checkbox as Django's CheckboxInput renders it (django/forms/widgets/checkbox.html).

    Django renders it through the forms' template engine, once per row: a fifth of the CPU of a 50-row list.
    """

    def action_checkbox(self, obj):
        label = format_html(_("Select this object for an action - {}"), str(obj))
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            label,
        )


class ScopedAdmin(PlainActionCheckbox, admin.ModelAdmin):
    """A model admin whose rows reach the user only through approvals/access.py.

    `jurisdiction_path` leads from the model to the jurisdiction that owns a row.
    """

    jurisdiction_path = "jurisdiction"

    # --- the rule -------------------------------------------------------------------------------
    def scope_rows(self, queryset: QuerySet, request, *, for_change: bool = False) -> QuerySet:
        """The rows of `queryset` the user may view (or change)."""
        return access.scope(queryset, request.user, self.jurisdiction_path, for_change=for_change)

    def _in_scope(self, request, obj, *, for_change: bool) -> bool:
        if obj is None or obj.pk is None:
            return True
        return self.scope_rows(self.model._default_manager.filter(pk=obj.pk), request, for_change=for_change).exists()

    def get_queryset(self, request):
        return self.scope_rows(super().get_queryset(request), request)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj, for_change=False)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj, for_change=True)

    def has_add_permission(self, request):
        # Staff without a jurisdiction have no register to add to: no "增加" button that can only fail.
        user = request.user
        return super().has_add_permission(request) and (user.is_superuser or access.home_jurisdiction(user) is not None)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj, for_change=True)

    def changeform_view(self, request, object_id=None, form_url="", extra_context=None):
        try:
            return super().changeform_view(request, object_id, form_url, extra_context)
        except RecordModifiedError:
            # Two saves of the same version at the same instant: both forms were valid, the other
            # one committed first and this one's UPDATE found no row of its version (rolled back).
            # Handled again, the form now meets the newer version and says so like a stale form.
            return super().changeform_view(request, object_id, form_url, extra_context)

    # --- choices: what a form offers and what a filter lists ------------------------------------
    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = related_choices(db_field.related_model, request, purpose="change")
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        queryset = related_choices(db_field.related_model, request, purpose="change")
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def get_list_filter(self, request):
        # A filter on a related field lists only the values found among the rows the user may view
        # (Django's own filter would list every jurisdiction's editions or departments).
        scoped = []
        for entry in super().get_list_filter(request):
            if isinstance(entry, str) and _is_relation(self.model, entry):
                entry = (entry, RelatedOnlyFieldListFilter)
            scoped.append(entry)
        return scoped

    def get_search_results(self, request, queryset, search_term):
        # An autocomplete feeds a form field: it offers only what the user may attach to their own rows.
        match = getattr(request, "resolver_match", None)
        if match is not None and match.url_name == "autocomplete":
            queryset = self.scope_rows(queryset, request, for_change=True)
        return super().get_search_results(request, queryset, search_term)

    # --- actions --------------------------------------------------------------------------------
    def get_action(self, action):
        found = super().get_action(action)
        if found is None:
            return None
        func, name, description = found
        if name in READ_ONLY_ACTIONS:
            return found

        @functools.wraps(func)
        def scoped_action(modeladmin, request, queryset):
            foreign = queryset.exclude(pk__in=self.scope_rows(queryset, request, for_change=True).values("pk"))
            count = foreign.count()
            if count:
                self.message_user(
                    request,
                    _("所选记录中有 %(count)d 条不属于您的辖区，未做任何修改。") % {"count": count},
                    messages.ERROR,
                )
                return None
            return func(modeladmin, request, queryset)

        return scoped_action, name, description

    def delete_queryset(self, request, queryset):
        if queryset.exclude(pk__in=self.scope_rows(queryset, request, for_change=True).values("pk")).exists():
            raise PermissionDenied(_("您只能删除本辖区的记录。"))
        super().delete_queryset(request, queryset)

    # --- django-simple-history's pages ---------------------------------------------------------
    def history_view(self, request, object_id, extra_context=None):
        self._history_object(request, object_id)
        return super().history_view(request, object_id, extra_context=extra_context)

    def history_form_view(self, request, object_id, version_id, extra_context=None):
        # A record page shows a past state; restoring it would change the register without an event.
        if request.method != "GET":
            raise PermissionDenied(_("历史记录只能查看，不能恢复或修改。"))
        self._history_object(request, object_id)
        return super().history_form_view(request, object_id, version_id, extra_context=extra_context)

    def _history_object(self, request, object_id):
        # django-simple-history falls back to the last historical record of an object the queryset
        # does not hold; a row outside the user's scope is not there at all.
        try:
            found = self.get_queryset(request).filter(pk=object_id).exists()
        except (ValueError, TypeError, models.ObjectDoesNotExist):
            found = False
        if not found:
            raise Http404(_("没有这条记录，或您无权查看。"))

    def revert_disabled(self, request, obj=None):
        return True


class ReadOnlyAdmin:
    """For records written only by the services (transfer events, published rows): viewed, never edited here."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ScopedInline:
    """For inlines: the related rows a form offers follow the same rule as the model admins'."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        queryset = related_choices(db_field.related_model, request, purpose="change")
        if queryset is not None:
            kwargs["queryset"] = queryset
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


def _is_relation(model, path: str) -> bool:
    try:
        field = model._meta.get_field(path)
    except Exception:  # a lookup across relations (a__b) or a non-field: left as declared
        return False
    return field.is_relation and not field.auto_created


def related_choices(model, request, *, purpose: str) -> QuerySet | None:
    """The rows of `model` a form may offer the user (None: the model is not scoped)."""
    user = request.user
    if model is Jurisdiction:
        if user.is_superuser:
            return None
        return access.viewable_jurisdictions(user) if purpose == "view" else _own(user)
    from approvals.models import PolicyDocument

    if model is PolicyDocument:
        return access.scope_documents(PolicyDocument.objects.all(), user, purpose="cite")
    model_admin = admin.site._registry.get(model)
    if isinstance(model_admin, ScopedAdmin):
        return model_admin.scope_rows(model._default_manager.all(), request, for_change=purpose == "change")
    return None


def _own(user) -> QuerySet[Jurisdiction]:
    home = access.home_jurisdiction(user)
    return Jurisdiction.objects.filter(pk=home.pk) if home is not None else Jurisdiction.objects.none()


class SuperuserOnlyAdmin(PlainActionCheckbox, admin.ModelAdmin):
    """For models that belong to no jurisdiction (users, groups, login records): superusers only.

    What the wrapped admin refuses stays refused (django-axes' login records cannot be added by hand).
    """

    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_view_permission(request, obj)

    def has_add_permission(self, request, *args):
        return request.user.is_active and request.user.is_superuser and super().has_add_permission(request, *args)

    def has_change_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_superuser and super().has_delete_permission(request, obj)


class RegisterAdminSite(admin.AdminSite):
    """The clerks' admin: every model admin registered here is scoped, or else superuser-only."""

    site_header = gettext_lazy("朔州市行政审批事项划转目录 · 管理")
    site_title = gettext_lazy("划转目录管理")
    index_title = gettext_lazy("目录维护")

    def register(self, model_or_iterable, admin_class=None, **options):
        admin_class = admin_class or admin.ModelAdmin
        if not issubclass(admin_class, (ScopedAdmin, SuperuserOnlyAdmin)):
            admin_class = type(
                admin_class.__name__, (SuperuserOnlyAdmin, admin_class), {"__module__": admin_class.__module__}
            )
        super().register(model_or_iterable, admin_class, **options)

    def autocomplete_view(self, request):
        # Django's view reads its four parameters unchecked: a request without them would be a 500.
        if any(not request.GET.get(name) for name in ("app_label", "model_name", "field_name")):
            raise Http404(_("缺少自动补全的参数。"))
        return super().autocomplete_view(request)

    def index(self, request, extra_context=None):
        # Work waiting for the user, at the top of the index: each model admin with an `index_queue(request)`
        # (catalog's 群众留言) says what it holds within the user's scope; approvals names none of them.
        queues = []
        for model_admin in self._registry.values():
            queue = getattr(model_admin, "index_queue", None)
            summary = queue(request) if queue is not None else None
            if summary:
                queues.append(summary)
        return super().index(request, {"queues": queues, **(extra_context or {})})

    def each_context(self, request):
        context = super().each_context(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and user.is_staff and not user.is_superuser:
            if access.home_jurisdiction(user) is None:
                context["no_jurisdiction_notice"] = access.NO_JURISDICTION
        return context
