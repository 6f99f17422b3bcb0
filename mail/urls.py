from django.urls import path

from . import views

app_name = "mail"

urlpatterns = [
    path("", views.mail_list, name="list"),
    path("<int:pk>/retry/", views.mail_retry, name="retry"),
]
