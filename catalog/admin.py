from django.contrib import admin

from catalog.models import Edition, Entry

admin.site.register(Edition)
admin.site.register(Entry)
