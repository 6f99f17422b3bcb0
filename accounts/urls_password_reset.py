"""The password-reset pages at Django's own addresses and names, with our throttle and token (password_reset.py).

Included before django.contrib.auth.urls, so these are the ones that answer.
"""

from django.contrib.auth import views as auth_views
from django.urls import path

from . import password_reset

urlpatterns = [
    path("password_reset/", password_reset.PasswordResetView.as_view(), name="password_reset"),
    path("password_reset/done/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("reset/<uidb64>/<token>/", password_reset.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
]
