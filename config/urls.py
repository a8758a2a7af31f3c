from django.contrib import admin
from django.urls import include, path

urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("public.api.urls")),
    path("", include("public.opendata_urls")),
    path("", include("public.urls")),
]
