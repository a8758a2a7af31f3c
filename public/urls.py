from django.urls import path, re_path

from public import feedback, views
from public.feeds import editions_feed

app_name = "public"

urlpatterns = [
    path("", views.index, name="index"),
    path("export.xlsx", views.export_list, {"fmt": "xlsx"}, name="export_xlsx"),
    path("export.csv", views.export_list, {"fmt": "csv"}, name="export_csv"),
    path("export-national.xlsx", views.export_national, {"fmt": "xlsx"}, name="export_national_xlsx"),
    path("export-national.csv", views.export_national, {"fmt": "csv"}, name="export_national_csv"),
    path("items/<str:code>/", views.item_detail, name="item"),
    path("items/<str:code>/feedback/", feedback.item_feedback, name="item_feedback"),
    path("departments/<slug:slug>/", views.department_detail, name="department"),
    path("editions/", views.edition_list, name="editions"),
    path("editions/<slug:slug>/", views.edition_detail, name="edition"),
    re_path(
        r"^editions/(?P<slug>[-\w]+)/download\.(?P<fmt>xlsx|docx|csv|json)$",
        views.edition_download,
        name="edition_download",
    ),
    path("editions/<slug:slug>/adjustment/", views.edition_adjustment, name="edition_adjustment"),
    path("feeds/editions.atom", editions_feed, name="feed_editions"),
    path("feeds/<slug:code>/editions.atom", editions_feed, name="feed_jurisdiction_editions"),
    path("stats/", views.stats_page, name="stats"),
    path("alignment/", views.alignment_list, name="alignment_list"),
    path("alignment/<slug:code>/", views.alignment_detail, name="alignment"),
]
