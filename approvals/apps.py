from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("事项登记册")


class RegisterAdminConfig(admin_apps.AdminConfig):
    """Replaces django.contrib.admin in INSTALLED_APPS: `admin.site` is the scoped site of approvals/admin_scope.py."""

    default = False
    default_site = "approvals.admin_scope.RegisterAdminSite"
