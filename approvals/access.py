"""Who may see and change which jurisdiction's register.

Staff keep the register of the jurisdiction on their `StaffProfile`. The city's
staff may view every county's register; everyone changes only their own.
Superusers see and change everything. Staff without a profile see nothing:
access is granted, never assumed.

Policy documents belong to the jurisdiction that issued them: staff change their
own jurisdiction's, and cite their own, the city's (for a county) and the province's.

Every path to the register goes through these functions: the admin (approvals/admin_scope.py),
the services, the commands and the imports.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from approvals.models import Jurisdiction, PolicyDocument, StaffProfile

NO_JURISDICTION = _("您的账号尚未指定辖区，因此看不到任何事项登记。请联系系统管理员在“工作人员辖区”中为您指定辖区。")


def home_jurisdiction(user: AbstractBaseUser | None) -> Jurisdiction | None:
    """The jurisdiction whose register the user keeps, or None."""
    if user is None or not user.is_authenticated:
        return None
    # Asked on every admin request of staff: the profile and its jurisdiction in one query rather than two,
    # kept where Django's `user.staff_profile` keeps it (None when there is none), so the next ask is free.
    accessor = StaffProfile.user.field.remote_field
    if not accessor.is_cached(user):
        accessor.set_cached_value(user, StaffProfile.objects.select_related("jurisdiction").filter(user=user).first())
    profile = accessor.get_cached_value(user)
    return profile.jurisdiction if profile is not None else None


def viewable_jurisdictions(user: AbstractBaseUser) -> QuerySet[Jurisdiction]:
    """Jurisdictions whose register the user may read in the admin."""
    if user.is_superuser:
        return Jurisdiction.objects.all()
    home = home_jurisdiction(user)
    if home is None:
        return Jurisdiction.objects.none()
    if home.level == Jurisdiction.Level.CITY:
        # One filter with Q, not two querysets joined by `|`: the same SQL, built for a fraction of the CPU
        # (this is built several times on each admin page a city clerk opens).
        return Jurisdiction.objects.filter(Q(pk=home.pk) | Q(parent=home))
    return Jurisdiction.objects.filter(pk=home.pk)


def can_change(user: AbstractBaseUser | None, jurisdiction_id: int | None) -> bool:
    """Whether the user may change the register of that jurisdiction (None: a system task, always)."""
    if user is None or not user.is_authenticated:
        return user is None
    if user.is_superuser:
        return True
    home = home_jurisdiction(user)
    return home is not None and home.pk == jurisdiction_id


def check_can_change(user: AbstractBaseUser | None, jurisdiction_id: int | None) -> None:
    """Raise PermissionDenied when the user may not change that jurisdiction's register."""
    if not can_change(user, jurisdiction_id):
        raise PermissionDenied(_("您只能修改本辖区的事项登记。"))


def scope(
    queryset: QuerySet, user: AbstractBaseUser, path: str = "jurisdiction", *, for_change: bool = False
) -> QuerySet:
    """The rows of `queryset` (reaching the jurisdiction through `path`) the user may view, or change."""
    if user.is_superuser:
        return queryset
    if for_change:
        home = home_jurisdiction(user)
        return queryset.filter(**{path: home}) if home is not None else queryset.none()
    return queryset.filter(**{f"{path}__in": viewable_jurisdictions(user)})


def citable_jurisdictions(user: AbstractBaseUser) -> QuerySet[Jurisdiction]:
    """Jurisdictions whose documents the user may cite: their own, the city above a county, and the province."""
    if user.is_superuser:
        return Jurisdiction.objects.all()
    home = home_jurisdiction(user)
    if home is None:
        return Jurisdiction.objects.none()
    above = Q(pk=home.parent_id) if home.parent_id else Q(pk__in=[])
    return Jurisdiction.objects.filter(Q(pk=home.pk) | above | Q(level=Jurisdiction.Level.PROVINCE))


def scope_documents(
    queryset: QuerySet[PolicyDocument], user: AbstractBaseUser, *, purpose: str = "view"
) -> QuerySet[PolicyDocument]:
    """The documents the user may `view` (cite, or read another register), `cite`, or `change`."""
    if user.is_superuser:
        return queryset
    if purpose == "change":
        return scope(queryset, user, for_change=True)
    citable = Q(jurisdiction__in=citable_jurisdictions(user))
    if purpose == "cite":
        return queryset.filter(citable)
    return queryset.filter(citable | Q(jurisdiction__in=viewable_jurisdictions(user)))


def check_can_cite(user: AbstractBaseUser | None, document: PolicyDocument | None) -> None:
    """Raise PermissionDenied when the user may not cite that document (None: a system task, always)."""
    if document is None or user is None:
        return
    if not scope_documents(PolicyDocument.objects.filter(pk=document.pk), user, purpose="cite").exists():
        raise PermissionDenied(
            _("您不能引用%(place)s的文件“%(number)s”：只能引用本辖区、上级市和省级的文件。")
            % {"place": document.jurisdiction, "number": document.number}
        )
