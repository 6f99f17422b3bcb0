"""Every view of the project, for every role: login redirect, 404, 403 or 200.

`coordinator` coordinates `platform`; `other_coordinator` coordinates only `other_platform`, so
the "other" column is a coordinator reaching for a platform that is not theirs. The last test
fails when a new URL pattern is added without a row here.
"""

import pytest
from django.urls import URLPattern, URLResolver, get_resolver, reverse

ROLES = ["anonymous", "coordinator", "other_coordinator", "ministry_user", "admin_user"]

# url name -> (kwargs builder, {role: (GET status, POST status)}); None = method not tested.
ALL_READ = {"anonymous": (302, None), "coordinator": (200, None), "other_coordinator": (200, None),
            "ministry_user": (200, None), "admin_user": (200, None)}
OWN_PLATFORM_READ = {**ALL_READ, "other_coordinator": (404, None)}
MANAGE_MEMBERS = {"anonymous": (302, 302), "coordinator": (200, 200), "other_coordinator": (404, 404),
                  "ministry_user": (403, 403), "admin_user": (200, 200)}
ADMIN_ONLY = {"anonymous": (302, 302), "coordinator": (403, 403), "other_coordinator": (404, 404),
              "ministry_user": (403, 403), "admin_user": (200, 200)}
PUBLIC = dict.fromkeys(ROLES, (200, None))

MATRIX = {
    "home": (lambda p, m: {}, ALL_READ),
    "healthz": (lambda p, m: {}, PUBLIC),
    "platforms:list": (lambda p, m: {}, ALL_READ),
    "platforms:detail": (lambda p, m: {"code": p.code}, OWN_PLATFORM_READ),
    "platforms:edit": (lambda p, m: {"code": p.code}, ADMIN_ONLY),
    "platforms:membership_create": (lambda p, m: {"code": p.code}, MANAGE_MEMBERS),
    "platforms:membership_edit": (lambda p, m: {"code": p.code, "pk": m.pk}, MANAGE_MEMBERS),
    "platforms:membership_end": (lambda p, m: {"code": p.code, "pk": m.pk}, MANAGE_MEMBERS),
}


def _cases():
    for name, (_, expected) in MATRIX.items():
        for role in ROLES:
            get_status, post_status = expected[role]
            yield pytest.param(name, role, "get", get_status, id=f"{name}-{role}-get")
            if post_status is not None:
                yield pytest.param(name, role, "post", post_status, id=f"{name}-{role}-post")


@pytest.mark.django_db
@pytest.mark.parametrize(("name", "role", "method", "expected"), list(_cases()))
def test_permission_matrix(request, client, login, platform, other_platform, name, role, method, expected):
    membership = platform.memberships.first()
    url = reverse(name, kwargs=MATRIX[name][0](platform, membership))
    if role != "anonymous":
        login(request.getfixturevalue(role))
    # An empty POST: allowed users get the form back with errors (200), nothing changes.
    response = getattr(client, method)(url)
    assert response.status_code == expected
    if expected == 302:
        assert response["Location"].startswith(reverse("login"))


def _project_url_names(resolver=None, namespace=""):
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            module = getattr(entry.urlconf_module, "__name__", "")
            if entry.namespace == "admin" or module.startswith("django.contrib"):
                continue  # Django's admin and auth views have their own tests upstream.
            yield from _project_url_names(entry, f"{namespace}{entry.namespace}:" if entry.namespace else namespace)
        elif isinstance(entry, URLPattern) and entry.name:
            yield f"{namespace}{entry.name}"


def test_every_project_view_is_in_the_matrix():
    assert set(_project_url_names()) - {"login"} == set(MATRIX)
