"""Prepare the load-test database (after `migrate` and `loaddemo`): coordinators who can log in.

The demo's LOP experts (ahmed.bouzid, ann.declercq, ...) coordinate one to three platforms each
but cannot log in. The "report save" scenario needs one coordinator per connection, each saving
a report nobody else writes, so this gives the first N of them the demo password and writes
"<username> <platform code>" per line (each a different platform, never antwerpen-bao, which the
other report scenarios use). Only in the dedicated load-test database: it refuses any other.

The deadline rush (issue #13) needs one coordinator per platform of the round: with `--rush N` it
makes N accounts `loadtest-rush-NN` (the demo password), each the coordinator of one of the round's
platforms, and writes "<username> <platform code>" per line to `--rush-out`.

    DATABASE_URL=postgres://.../lopportal_load python loadtest/prepare_db.py --database lopportal_load \
        --count 8 --out savers.txt --rush 70 --rush-out rush.txt
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
    parser.add_argument("--rush", type=int, default=0, help="coordinators for the deadline rush, one per platform")
    parser.add_argument("--rush-out", type=Path)
    parser.add_argument("--ministry-out", type=Path, required=True,
                        help="'username key' per line: the ministry readers and their authenticator keys")
    args = parser.parse_args()

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "lopportal.settings.local")
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth.hashers import make_password

    from accounts.models import Role, User
    from platforms.demo import DEMO_PASSWORD, DEMO_USERS
    from rounds.models import ReportingRound, RoundPlatform

    db = settings.DATABASES["default"]
    if db["ENGINE"] != "django.db.backends.postgresql" or db["NAME"] != args.database:
        raise SystemExit(f"prepare_db.py only touches the PostgreSQL database {args.database!r}, "
                         f"not {db['ENGINE']} {db['NAME']!r}")
    round = ReportingRound.objects.get(slug=args.round)  # the round must exist (loaddemo made it)

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
    password = make_password(DEMO_PASSWORD)
    User.objects.filter(pk__in=[user.pk for user, _ in pairs]).update(password=password)
    args.out.write_text("".join(f"{user.username} {code}\n" for user, code in pairs))
    print(f"{len(pairs)} coordinators can log in for the save scenario: "
          + ", ".join(f"{user.username} ({code})" for user, code in pairs))
    _ministry(args.count, args.ministry_out, password, User, Role)
    if args.rush:
        _rush(round, args.rush, args.rush_out, password, User, Role, RoundPlatform)


def _ministry(count: int, out: Path, password: str, User, Role) -> None:
    """N ministry readers, each with a confirmed authenticator app (TOTP) of its own.

    Under the production settings ministry staff must pass the second factor; a code is taken only
    once per 30 s step, so one account per session lets every session log in at once.
    """
    import secrets

    from django_otp.plugins.otp_totp.models import TOTPDevice

    lines = []
    for number in range(1, count + 1):
        username = f"loadtest-ministerie-{number:02d}"
        user, _created = User.objects.update_or_create(username=username, defaults={
            "role": Role.MINISTRY, "email": f"{username}@loadtest.invalid", "password": password, "is_active": True})
        key = secrets.token_hex(20)
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="loadtest", key=key, confirmed=True)
        lines.append(f"{username} {key}\n")
    out.write_text("".join(lines))
    print(f"{count} ministry readers with an authenticator app")


def _rush(round, count: int, out: Path, password: str, User, Role, RoundPlatform) -> None:
    """One extra coordinator per platform of the round, for the deadline rush's autosaves."""
    if out is None:
        raise SystemExit("--rush needs --rush-out")
    platforms = [rp.platform for rp in RoundPlatform.objects.filter(round=round, platform__is_active=True)
                 .select_related("platform").order_by("platform__code")]
    if len(platforms) < count:
        raise SystemExit(f"the round has {len(platforms)} active platforms; {count} needed for the rush")
    lines = []
    for number, platform in enumerate(platforms[:count], start=1):
        username = f"loadtest-rush-{number:02d}"
        user, _created = User.objects.update_or_create(username=username, defaults={
            "role": Role.COORDINATOR, "email": f"{username}@loadtest.invalid", "password": password,
            "is_active": True})
        platform.coordinators.add(user)
        lines.append(f"{username} {platform.code}\n")
    out.write_text("".join(lines))
    print(f"{count} coordinators for the deadline rush, one per platform")


if __name__ == "__main__":
    main()
