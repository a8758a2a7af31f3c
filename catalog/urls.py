from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.index, name="index"),
    path("items/<str:code>/", views.item_detail, name="item"),
    path("departments/<slug:slug>/", views.department_detail, name="department"),
    path("editions/", views.edition_list, name="editions"),
    path("editions/<slug:slug>/", views.edition_detail, name="edition"),
]
