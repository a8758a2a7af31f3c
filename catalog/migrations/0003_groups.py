"""The two working groups of the bureau, with their permissions.

经办人 (clerk): keeps the register (items, departments, documents), records
transfers, imports tables and compiles drafts. 审核人 (publisher): all of that,
and publishes editions.
"""

from django.contrib.auth.management import create_permissions
from django.db import migrations

CLERK = "经办人"
PUBLISHER = "审核人"

CLERK_PERMISSIONS = [
    ("approvals", "view_jurisdiction"),
    ("approvals", "view_department"),
    ("approvals", "add_department"),
    ("approvals", "change_department"),
    ("approvals", "view_departmentalias"),
    ("approvals", "add_departmentalias"),
    ("approvals", "change_departmentalias"),
    ("approvals", "delete_departmentalias"),
    ("approvals", "view_policydocument"),
    ("approvals", "add_policydocument"),
    ("approvals", "change_policydocument"),
    ("approvals", "view_approvalitem"),
    ("approvals", "add_approvalitem"),
    ("approvals", "change_approvalitem"),
    ("approvals", "view_itemdepartment"),
    ("approvals", "add_itemdepartment"),
    ("approvals", "change_itemdepartment"),
    ("approvals", "delete_itemdepartment"),
    ("approvals", "view_transfer"),
    ("approvals", "add_transfer"),
    ("catalog", "view_edition"),
    ("catalog", "add_edition"),
    ("catalog", "change_edition"),
    ("catalog", "view_entry"),
]
PUBLISHER_PERMISSIONS = CLERK_PERMISSIONS + [
    ("catalog", "publish_edition"),
    ("catalog", "delete_edition"),
]


def create_groups(apps, schema_editor):
    # Permissions are normally created after all migrations; the groups need them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for name, codes in ((CLERK, CLERK_PERMISSIONS), (PUBLISHER, PUBLISHER_PERMISSIONS)):
        group, _ = Group.objects.get_or_create(name=name)
        for app_label, codename in codes:
            group.permissions.add(Permission.objects.get(content_type__app_label=app_label, codename=codename))


def remove_groups(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[CLERK, PUBLISHER]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("approvals", "0001_initial"),
        ("catalog", "0002_publish_permission"),
    ]

    operations = [migrations.RunPython(create_groups, remove_groups)]
