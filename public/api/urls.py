from django.urls import path
from rest_framework.routers import SimpleRouter

from public.api import changes, jurisdictions, views
from public.api.schema import SchemaView

app_name = "api"

router = SimpleRouter()
router.register("items", views.ItemViewSet, basename="item")
router.register("departments", views.DepartmentViewSet, basename="department")
router.register("editions", views.EditionViewSet, basename="edition")
router.register("jurisdictions", jurisdictions.JurisdictionViewSet, basename="jurisdiction")

urlpatterns = [
    path("", views.root, name="root"),
    path("schema/", SchemaView.as_view(), name="schema"),
    path("changes/", changes.change_list, name="changes"),
    *router.urls,
]
