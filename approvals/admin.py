from django.contrib import admin

from approvals.models import ApprovalItem, Department, DepartmentAlias, Jurisdiction, PolicyDocument, Transfer

admin.site.register(Jurisdiction)
admin.site.register(Department)
admin.site.register(DepartmentAlias)
admin.site.register(PolicyDocument)
admin.site.register(ApprovalItem)
admin.site.register(Transfer)
