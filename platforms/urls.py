from django.urls import path

from . import views

app_name = "platforms"

urlpatterns = [
    path("", views.platform_list, name="list"),
    path("<slug:code>/", views.platform_detail, name="detail"),
    path("<slug:code>/edit/", views.platform_edit, name="edit"),
    path("<slug:code>/members/add/", views.membership_create, name="membership_create"),
    path("<slug:code>/members/<int:pk>/edit/", views.membership_edit, name="membership_edit"),
    path("<slug:code>/members/<int:pk>/end/", views.membership_end, name="membership_end"),
]
