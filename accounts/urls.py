from django.urls import path  # noqa: F401 - the people pages are added here

app_name = "people"

urlpatterns = []
