from django.contrib import admin
from django.urls import include, path

admin.site.site_header = "朔州市行政审批事项划转目录 · 管理"
admin.site.site_title = "划转目录管理"
admin.site.index_title = "目录维护"

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("catalog.api.urls")),
    path("", include("catalog.opendata_urls")),
    path("", include("catalog.urls")),
]
