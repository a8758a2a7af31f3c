from axes import apps as axes_apps
from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = _("事项登记册")

    def ready(self):
        from django.conf import settings
        from django.db.models.signals import post_migrate

        from approvals import codes, register_version

        post_migrate.connect(register_version.ensure_row, sender=self, dispatch_uid="approvals.register_version")

        # A malformed IMPLEMENTATION_CODE_FORMAT stops the start (ImproperlyConfigured), not each page showing a code.
        codes.implementation_code_parts(settings.IMPLEMENTATION_CODE_FORMAT)


class RegisterAdminConfig(admin_apps.AdminConfig):
    """Replaces django.contrib.admin in INSTALLED_APPS: `admin.site` is the scoped site of approvals/admin_scope.py."""

    default = False
    default_site = "approvals.admin_scope.RegisterAdminSite"


def _login_record_name(record) -> str:
    when = timezone.localtime(record.attempt_time).strftime("%Y-%m-%d %H:%M") if record.attempt_time else ""
    return " · ".join(str(part) for part in (record.username, record.ip_address, when) if part)


class LoginRecordsConfig(axes_apps.AppConfig):
    """Replaces "axes" in INSTALLED_APPS: django-axes under Chinese names.

    Its app is titled "Axes" after its label, and its records name themselves in English ("Attempted
    Access: …"), which the admin shows in titles, breadcrumbs, delete lists and its log: no catalogue
    reaches either. A record is named by who, from where and when instead.
    """

    default = False
    verbose_name = _("登录记录")

    def ready(self):
        super().ready()
        from axes.models import AccessAttempt, AccessFailureLog, AccessLog

        for model in (AccessAttempt, AccessFailureLog, AccessLog):
            model.__str__ = _login_record_name
