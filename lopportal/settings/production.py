"""Production settings: secret, hosts and database come from the environment, HTTPS only."""

import os

from django.core.exceptions import ImproperlyConfigured

for name in ("DJANGO_SECRET_KEY", "DJANGO_ALLOWED_HOSTS", "DATABASE_URL"):
    if not os.environ.get(name):
        raise ImproperlyConfigured(f"Set the environment variable {name} for production.")

# Mail goes to the server's own mail relay unless EMAIL_URL names another (never the console).
os.environ.setdefault("EMAIL_URL", "smtp://localhost:25")

from .base import *  # noqa: E402, F403
from .base import env  # noqa: E402

DEBUG = False
# Files come from STATIC_ROOT, filled by `collectstatic` at deploy time.
STATIC_ROOT = env.path("DJANGO_STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))  # noqa: F405
WHITENOISE_USE_FINDERS = False
WHITENOISE_AUTOREFRESH = False
STORAGES["staticfiles"] = {  # noqa: F405
    "BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage",
}
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("DJANGO_SECURE_SSL_REDIRECT", default=True)
# A load balancer checks /healthz over plain HTTP, and a 301 fails that check: it answers without the
# redirect (it carries no cookie and no personal data). Matched against the path without its leading slash.
SECURE_REDIRECT_EXEMPT = [r"^healthz$"]
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
SECURE_HSTS_SECONDS = env.int("DJANGO_SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
CSRF_TRUSTED_ORIGINS = env.list("DJANGO_CSRF_TRUSTED_ORIGINS", default=[])
DEMO_DATA_ALLOWED = False
# The demo accounts' exemption from the second factor would let anyone who names an account "admin" or
# "ministerie" in with the password alone.
if SECOND_FACTOR_DEMO_EXEMPT:  # noqa: F405
    raise ImproperlyConfigured("DJANGO_SECOND_FACTOR_DEMO_EXEMPT is for development only: turn it off.")
