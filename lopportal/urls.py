from django.contrib import admin
from django.urls import include, path

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("toegankelijkheid/", views.accessibility, name="accessibility"),
    path("accounts/login/", views.LoginView.as_view(), name="login"),
    path("accounts/second-factor/", include("accounts.urls_second_factor")),
    path("accounts/", include("accounts.urls_password_reset")),  # throttled; before Django's views of these names
    path("accounts/", include("django.contrib.auth.urls")),
    path("people/", include("accounts.urls")),
    path("platforms/", include("platforms.urls")),
    path("audit/", include("audit.urls")),  # the audit log ("logboek"), admins only
    path("mails/", include("mail.urls")),  # the mail queue, admins only
    path("rounds/", include("rounds.urls")),
    path("", include("parliament.urls")),  # questions/… and answers/…
    path("admin/", admin.site.urls),
]

handler500 = "lopportal.views.server_error"
