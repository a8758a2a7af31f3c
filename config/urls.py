from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.templatetags.static import static
from django.urls import include, path


def favicon(request: HttpRequest) -> HttpResponse:
    # Browsers ask for /favicon.ico on pages without an icon link (the admin's). Resolved per request:
    # the hashed static name exists only once collectstatic has run.
    return redirect(static("favicon.svg"), permanent=True)


urlpatterns = [
    path("admin/", admin.site.urls),
    path("api/", include("public.api.urls")),
    path("favicon.ico", favicon),
    path("", include("public.opendata_urls")),
    path("", include("public.urls")),
]
