"""One's own second factor, under /accounts/second-factor/ (names without a namespace, like Django's login)."""

from django.urls import path

from . import views_second_factor as views

urlpatterns = [
    path("", views.second_factor_verify, name="second_factor_verify"),
    path("setup/", views.second_factor_setup, name="second_factor_setup"),
    path("recovery-codes/", views.second_factor_recovery_codes, name="second_factor_recovery_codes"),
    path("manage/", views.second_factor_manage, name="second_factor_manage"),
    path("disable/", views.second_factor_disable, name="second_factor_disable"),
]
