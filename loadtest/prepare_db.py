"""Prepare the load-test database (after `migrate` and `loaddemo`): coordinators who can log in.

The demo's LOP experts (ahmed.bouzid, ann.declercq, ...) coordinate one to three platforms each
but cannot log in. The "report save" scenario needs one coordinator per connection, each saving
a report nobody else writes, so this gives the first N of them the demo password and writes
"<username> <platform code>" per line (each a different platform, never antwerpen-bao, which the
other report scenarios use). Only in the dedicated load-test database: it refuses any other.

    DATABASE_URL=postgres://.../lopportal_load python loadtest/prepare_db.py --database lopportal_load \
        --count 8 --out savers.txt
"""

import argparse
import os
import sys
from pathlib import Path

RESERVED_CODES = {"antwerpen-bao"}  # the report of the "report page" and "one report, N tabs" scenarios


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--database", required=True, help="name of the load-test database (a safety check)")
    parser.add_argument("--count", type=int, required=True)
    parser.add_argument("--round", default="open-demo")
    parser.add_argument("--out", type=Path, required=True)
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lopportal.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    from accounts.models import Role, User
    from platforms.demo import DEMO_PASSWORD, DEMO_USERS
    from rounds.models import ReportingRound

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql" or db["NAME"] != args.database:
        raise SystemExit(f"prepare_db.py only touches the PostgreSQL database {args.database!r}, "
                         f"not {db['ENGINE']} {db['NAME']!r}")
    ReportingRound.objects.get(slug=args.round)  # the round must exist (loaddemo made it)

    demo_usernames = {username for username, *_ in DEMO_USERS}
    candidates = (
        User.objects.filter(role=Role.COORDINATOR, is_active=True)
        .exclude(username__in=demo_usernames)
        .prefetch_related("coordinated_platforms")
        .order_by("username")
    )
    taken = set(RESERVED_CODES)
    pairs = []
    for user in candidates:
        codes = sorted(p.code for p in user.coordinated_platforms.all() if p.is_active and p.code not in taken)
        if codes:
            taken.add(codes[0])
            pairs.append((user, codes[0]))
        if len(pairs) == args.count:
            break
    if len(pairs) < args.count:
        raise SystemExit(f"only {len(pairs)} coordinators with a platform of their own; {args.count} needed")

    # One hash for all: hashing is deliberately slow, and these accounts share the demo password.
    User.objects.filter(pk__in=[user.pk for user, _ in pairs]).update(password=make_password(DEMO_PASSWORD))
    args.out.write_text("".join(f"{user.username} {code}\n" for user, code in pairs))
    print(f"{len(pairs)} coordinators can log in for the save scenario: "
          + ", ".join(f"{user.username} ({code})" for user, code in pairs))


if __name__ == "__main__":
    main()
