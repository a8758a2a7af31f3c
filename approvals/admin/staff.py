"""Members of staff in one screen: the user, the group (经办人 or 审核人) and the jurisdiction.

Django's user admin asks for a user first and the jurisdiction on another page
(工作人员辖区); a member of staff without a jurisdiction sees nothing, so both belong
together. Users remain for superusers only (approvals/admin_scope.py), and so do groups and
login records (django-axes), all of them in Chinese: Django names permissions in English
("Can change 部门"), django-axes leaves a column unnamed.
"""

from __future__ import annotations

from axes.admin import AccessAttemptAdmin
from axes.models import AccessAttempt
from django import forms
from django.contrib import admin
from django.contrib.auth.admin import GroupAdmin, UserAdmin
from django.contrib.auth.forms import UserCreationForm
from django.contrib.auth.models import Group, Permission, User
from django.db import transaction
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from approvals.admin_scope import SuperuserOnlyAdmin
from approvals.models import Jurisdiction, StaffProfile

# The working groups created by catalog/migrations/0003_groups.py.
STAFF_GROUPS = ("经办人", "审核人")


# Django names permissions in English when it creates them ("Can change 部门"): the pickers say it in Chinese.
PERMISSION_ACTIONS = {"add": _("增加"), "change": _("修改"), "delete": _("删除"), "view": _("查看")}


def permission_label(permission: Permission) -> str:
    """A permission as the group and user pickers list it: 事项登记册 | 部门 | 修改."""
    model = permission.content_type.model_class()
    action, _sep, _model_name = permission.codename.partition("_")
    if model is None or action not in PERMISSION_ACTIONS:
        return str(permission)  # a custom permission is named in Chinese where it is declared
    recorded = getattr(model, "instance_type", None)  # django-simple-history's record of a model
    if recorded is not None:
        name = _("%(model)s的历史记录") % {"model": recorded._meta.verbose_name}
    else:
        name = model._meta.verbose_name
    return f"{model._meta.app_config.verbose_name} | {name} | {PERMISSION_ACTIONS[action]}"


class PermissionLabels:
    """The permission pickers of the group and user pages list each permission by `permission_label`."""

    def formfield_for_manytomany(self, db_field, request=None, **kwargs):
        field = super().formfield_for_manytomany(db_field, request, **kwargs)
        if db_field.name in ("permissions", "user_permissions"):
            field.label_from_instance = permission_label
        return field


class WithoutLinkRows:
    """A user's or group's delete page lists the rows of Django's link tables in English ("User_groups
    object (3)"): they go with the user or group, and the page leaves them out."""

    def get_deleted_objects(self, objs, request):
        to_delete, model_count, perms_needed, protected = super().get_deleted_objects(objs, request)
        links = [User.groups.through, User.user_permissions.through, Group.permissions.through]
        plural = {str(link._meta.verbose_name_plural) for link in links}
        named = tuple(f"{capfirst(link._meta.verbose_name)}: " for link in links)

        def kept(items: list) -> list:
            result = []
            for item in items:
                if isinstance(item, list):
                    if inner := kept(item):
                        result.append(inner)
                elif not str(item).startswith(named):
                    result.append(item)
            return result

        counts = {name: count for name, count in model_count.items() if name not in plural}
        return kept(to_delete), counts, perms_needed, protected


class StaffCreationForm(UserCreationForm):
    group = forms.ModelChoiceField(
        label=_("岗位"),
        queryset=Group.objects.filter(name__in=STAFF_GROUPS).order_by("name"),
        widget=forms.RadioSelect,
        empty_label=None,
        help_text=_("经办人：维护登记册、登记划转、导入表格、生成草稿；审核人：另外可以发布目录版本。"),
        error_messages={"required": _("请选择岗位。")},
    )
    jurisdiction = forms.ModelChoiceField(
        label=_("辖区"),
        queryset=Jurisdiction.objects.registers(),
        help_text=_("此人维护哪个辖区的登记册；市本级的工作人员还可以查看各县（市、区）的登记册。"),
        error_messages={"required": _("请选择辖区。")},
    )

    class Meta(UserCreationForm.Meta):
        model = User
        fields = ("username", "last_name", "first_name", "email")
        labels = {"username": _("登录名"), "last_name": _("姓"), "first_name": _("名"), "email": _("电子邮箱")}


class StaffProfileInline(admin.StackedInline):
    model = StaffProfile
    can_delete = False
    max_num = 1
    verbose_name = verbose_name_plural = _("辖区")


class StaffGroupAdmin(PermissionLabels, WithoutLinkRows, SuperuserOnlyAdmin, GroupAdmin):
    pass


class LoginAttemptAdmin(SuperuserOnlyAdmin, AccessAttemptAdmin):
    # django-axes' "clean up expired attempts" reads request.axes_attempt_time, which only a login request has.
    actions = ("delete_selected",)

    @admin.display(description=_("状态"))
    def status(self, obj: AccessAttempt) -> str:
        return super().status(obj)


class StaffUserAdmin(PermissionLabels, WithoutLinkRows, SuperuserOnlyAdmin, UserAdmin):
    add_form = StaffCreationForm
    add_fieldsets = (
        (_("账号"), {"fields": ("username", "password1", "password2")}),
        (_("姓名"), {"fields": ("last_name", "first_name", "email")}),
        (_("岗位与辖区"), {"fields": ("group", "jurisdiction")}),
    )
    inlines = (StaffProfileInline,)
    list_display = ("username", "last_name", "first_name", "jurisdiction", "groups_display", "is_active")
    list_select_related = ("staff_profile__jurisdiction",)

    def get_inline_instances(self, request, obj=None):
        # On the add page the form itself asks for the jurisdiction.
        return super().get_inline_instances(request, obj) if obj is not None else []

    @admin.display(description=_("辖区"), ordering="staff_profile__jurisdiction")
    def jurisdiction(self, user: User) -> str:
        profile = getattr(user, "staff_profile", None)
        return str(profile.jurisdiction) if profile else _("（未指定）")

    @admin.display(description=_("岗位"))
    def groups_display(self, user: User) -> str:
        return "、".join(group.name for group in user.groups.all())

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    @transaction.atomic
    def save_model(self, request, obj, form, change):
        if change:
            return super().save_model(request, obj, form, change)
        obj.is_staff = True  # staff are made here to work in the admin
        super().save_model(request, obj, form, change)
        obj.groups.add(form.cleaned_data["group"])
        StaffProfile.objects.create(user=obj, jurisdiction=form.cleaned_data["jurisdiction"])


admin.site.unregister(User)
admin.site.register(User, StaffUserAdmin)
admin.site.unregister(Group)
admin.site.register(Group, StaffGroupAdmin)
admin.site.unregister(AccessAttempt)
admin.site.register(AccessAttempt, LoginAttemptAdmin)
