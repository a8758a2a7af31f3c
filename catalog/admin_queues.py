"""What the admin's work queues share (群众留言, 市级变化核对): the entries arrive by themselves (a citizen's
message, a city edition), nobody adds or deletes one here, and whoever keeps the register answers them within
their scope (approvals.admin_scope)."""

from __future__ import annotations

from approvals.admin_scope import ScopedAdmin


class QueueAdmin(ScopedAdmin):
    # No migration grants the queues' own permissions to the 经办人 and 审核人 groups: whoever may change the
    # register's items answers the entries about them (within their jurisdiction, by the scoping rule).
    handling_permissions: tuple[str, ...] = ("approvals.change_approvalitem",)

    def _handles_register(self, request) -> bool:
        user = request.user
        return user.is_active and user.is_staff and any(user.has_perm(perm) for perm in self.handling_permissions)

    def has_module_permission(self, request):
        return self._handles_register(request)

    def has_view_permission(self, request, obj=None):
        return self._handles_register(request) and self._in_scope(request, obj, for_change=False)

    def has_change_permission(self, request, obj=None):
        return self._handles_register(request) and self._in_scope(request, obj, for_change=True)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False  # an entry stays on record; its status closes it
