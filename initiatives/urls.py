from django.urls import path

from . import views

app_name = "rounds"

report = "<slug:round_slug>/platforms/<slug:code>/"

urlpatterns = [
    path("", views.round_list, name="list"),
    path("<slug:round_slug>/", views.round_detail, name="detail"),
    path(f"{report}report/", views.report, name="report"),
    path(f"{report}report/history/", views.report_history, name="report_history"),
    path(f"{report}report/return/", views.report_return, name="report_return"),
    path(f"{report}report/reopen/", views.report_reopen, name="report_reopen"),
    path(f"{report}initiatives/add/", views.initiative_create, name="initiative_create"),
    path(f"{report}initiatives/<int:pk>/", views.initiative_detail, name="initiative_detail"),
    path(f"{report}initiatives/<int:pk>/edit/", views.initiative_edit, name="initiative_edit"),
    path(f"{report}initiatives/<int:pk>/delete/", views.initiative_delete, name="initiative_delete"),
]
