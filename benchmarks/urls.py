"""The project's URLs plus one no-op page, used only by the benchmark to measure Django's fixed cost.

The no-op answers a logged-in JSON request without any work of its own: what remains is the
middleware, the session (read and saved on every request), the user and the JSON response, the
part of every page's time that does not depend on the number of platforms.
"""

from django.http import JsonResponse
from django.urls import path

from lopportal.urls import urlpatterns as project_urlpatterns


def noop(request):
    return JsonResponse({"user": request.user.pk})


urlpatterns = [path("bench/noop.json", noop, name="bench_noop"), *project_urlpatterns]
