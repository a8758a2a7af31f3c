from django.urls import path

from public import opendata_views

app_name = "opendata"

urlpatterns = [
    path("editions/dcat.jsonld", opendata_views.catalog, name="catalog"),
    path("editions/<slug:slug>/dcat.jsonld", opendata_views.edition_dataset, name="edition"),
    path("items/<str:code>/cpsv.jsonld", opendata_views.item_service, name="item"),
    path("vocabularies/<slug:slug>.jsonld", opendata_views.concept_scheme, name="scheme"),
]
