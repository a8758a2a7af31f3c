"""Who may see and change which jurisdiction's register.

Staff keep the register of the jurisdiction on their `StaffProfile`. The city's
staff may view every county's register; everyone changes only their own.
Superusers see and change everything. Staff without a profile see nothing:
access is granted, never assumed.
"""

from __future__ import annotations

from django.contrib.auth.models import AbstractBaseUser
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.utils.translation import gettext as _

from approvals.models import Jurisdiction


def home_jurisdiction(user: AbstractBaseUser | None) -> Jurisdiction | None:
    """The jurisdiction whose register the user keeps, or None."""
    profile = getattr(user, "staff_profile", None) if user is not None and user.is_authenticated else None
    return profile.jurisdiction if profile is not None else None


def viewable_jurisdictions(user: AbstractBaseUser) -> QuerySet[Jurisdiction]:
    """Jurisdictions whose register the user may read in the admin."""
    if user.is_superuser:
        return Jurisdiction.objects.all()
    home = home_jurisdiction(user)
    if home is None:
        return Jurisdiction.objects.none()
    if home.level == Jurisdiction.Level.CITY:
        return Jurisdiction.objects.filter(pk=home.pk) | Jurisdiction.objects.filter(parent=home)
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
