from django.urls import path

from . import import_views, views

app_name = "platforms"

urlpatterns = [
    path("", views.platform_list, name="list"),
    # Before the `<slug:code>/` patterns, which would otherwise take "import" or "proposals" for a platform code.
    path("import/", import_views.import_upload, name="import"),
    path("import/confirm/", import_views.import_confirm, name="import_confirm"),
    path("import/template.csv", import_views.import_template, {"fmt": "csv"}, name="import_template_csv"),
    path("import/template.xlsx", import_views.import_template, {"fmt": "xlsx"}, name="import_template_xlsx"),
    # Proposed changes to organisations that several platforms share, for the admins to decide.
    path("proposals/", views.proposal_list, name="proposals"),
    path("proposals/<int:pk>/", views.proposal_decide, name="proposal_decide"),
    path("<slug:code>/", views.platform_detail, name="detail"),
    path("<slug:code>/edit/", views.platform_edit, name="edit"),
    path("<slug:code>/members/add/", views.membership_create, name="membership_create"),
    path("<slug:code>/members/<int:pk>/edit/", views.membership_edit, name="membership_edit"),
    path("<slug:code>/members/<int:pk>/end/", views.membership_end, name="membership_end"),
]
