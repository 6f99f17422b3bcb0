from django.urls import path

from . import views, views_second_factor

app_name = "people"

urlpatterns = [
    path("", views.person_list, name="list"),
    path("invite/", views.person_invite, name="invite"),
    path("<int:pk>/", views.person_detail, name="detail"),
    path("<int:pk>/edit/", views.person_edit, name="edit"),
    path("<int:pk>/resend/", views.invitation_resend, name="resend"),
    path("<int:pk>/deactivate/", views.person_deactivate, name="deactivate"),
    path("<int:pk>/reactivate/", views.person_reactivate, name="reactivate"),
    path("<int:pk>/second-factor/reset/", views_second_factor.second_factor_reset, name="second_factor_reset"),
]
