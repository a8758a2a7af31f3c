"""The search synonyms the city's clerks keep (approvals/synonyms.py)."""

from django.contrib import admin
from django.core.cache import cache

from approvals import access
from approvals.admin_scope import ScopedAdmin
from approvals.models import Jurisdiction
from approvals.synonyms import SearchSynonym
from approvals.synonyms import cache_key as synonyms_cache_key


def keeps_synonyms(user) -> bool:
    """Superusers and the city's staff: the list serves every jurisdiction's search, so a county's does not keep it."""
    if user.is_superuser:
        return True
    home = access.home_jurisdiction(user)
    return home is not None and home.level == Jurisdiction.Level.CITY


@admin.register(SearchSynonym)
class SearchSynonymAdmin(ScopedAdmin):
    """One list for every jurisdiction's search, kept by the city's clerks (`keeps_synonyms`)."""

    list_display = ("term", "canonical")
    search_fields = ("term", "canonical")
    fields = ("term", "canonical")

    def scope_rows(self, queryset, request, *, for_change=False):
        return queryset if keeps_synonyms(request.user) else queryset.none()

    def has_module_permission(self, request):
        return super().has_module_permission(request) and keeps_synonyms(request.user)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and keeps_synonyms(request.user)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and keeps_synonyms(request.user)

    def has_add_permission(self, request):
        return super().has_add_permission(request) and keeps_synonyms(request.user)

    def delete_queryset(self, request, queryset):
        super().delete_queryset(request, queryset)
        cache.delete(synonyms_cache_key())  # the bulk delete action skips the model's delete()
