"""Which models the audit log tracks, which fields it leaves out, and which platform(s) each change concerns.

django-auditlog writes an entry from model signals (create, update, delete). Each entry's
additional_data says which platforms it concerns, as {"platforms": {"<platform id>": true}}: a key
per platform, so /audit/ filters with a JSON has-key lookup that works on SQLite and PostgreSQL
alike (a "list contains" does not), and an organisation shared by two platforms is found under both.
Ids, not codes: they cost no query to know and do not change when a platform is renamed.
"""

from collections.abc import Callable, Iterable

from auditlog.context import auditlog_disabled
from auditlog.models import LogEntry
from auditlog.registry import auditlog
from django.apps import apps
from django.db.models.signals import m2m_changed
from django.utils.encoding import smart_str

from audit.context import current_command

# Fields that change on every save without being a change anyone made (optimistic-locking counters,
# timestamps, the summary cache key), or that the actor column already says (updated_by).
NOISE_FIELDS = ["version", "data_version", "submitted_version", "updated_at", "updated_by"]


def _own_platform(obj) -> Iterable[int]:
    return [obj.pk]


def _platform_fk(obj) -> Iterable[int]:
    return [obj.platform_id] if obj.platform_id else []


def _report_platform(obj) -> Iterable[int]:
    # The report is usually loaded already (services lock it); only otherwise ask for its platform.
    if not obj.report_id:
        return []
    if type(obj).report.is_cached(obj):
        return [obj.report.platform_id]
    from rounds.models import Report

    return Report.objects.filter(pk=obj.report_id).values_list("platform_id", flat=True)


def _organisation_platforms(obj) -> Iterable[int]:
    # A shared organisation concerns every platform it is (or was) a member of.
    if obj.pk is None:
        return []
    from platforms.models import Membership

    return Membership.objects.filter(organisation_id=obj.pk).values_list("platform_id", flat=True).distinct()


def _proposal_platforms(obj) -> Iterable[int]:
    # A proposed change to a shared organisation concerns the proposing platform and every platform it is in.
    from platforms.models import Membership

    shared = Membership.objects.filter(organisation_id=obj.organisation_id).values_list("platform_id", flat=True)
    return [*_platform_fk(obj), *(shared.distinct() if obj.organisation_id else [])]


# label → (fields left out, how to find the platforms a change concerns). Every model of our apps is
# here except simple-history's Historical* tables, which are themselves a record of changes.
TRACKED: dict[str, tuple[list[str], Callable | None]] = {
    # The password hash never belongs in a log; last_login changes at every login (not a change of data).
    "accounts.User": (["password", "last_login"], None),
    "accounts.AccountEvent": ([], None),
    "platforms.Platform": ([], _own_platform),
    "platforms.Organisation": ([], _organisation_platforms),
    "platforms.Membership": ([], _platform_fk),
    "platforms.OrganisationProposal": ([], _proposal_platforms),
    "rounds.Theme": ([], None),
    "rounds.ReportingRound": ([], None),
    "rounds.Report": ([], _platform_fk),
    "rounds.Reminder": ([], _platform_fk),
    "rounds.RoundPlatform": ([], _platform_fk),
    "rounds.RosterChange": ([], _platform_fk),
    "rounds.Questionnaire": ([], None),
    "rounds.Section": ([], None),
    "rounds.Question": ([], None),
    "rounds.Choice": ([], None),
    "rounds.Answer": ([], _report_platform),
    "rounds.Note": ([], _report_platform),
    "initiatives.TargetGroup": ([], None),
    "initiatives.Initiative": ([], _report_platform),
    "parliament.ParliamentaryQuestion": ([], None),
    "parliament.AnswerDraft": ([], None),
    "parliament.ReviewStep": ([], None),
    # A publication freezes whole summaries: the log keeps what identifies it, not the frozen copies.
    "parliament.Publication": (["question_data", "source_text", "coverage", "figures", "summaries",
                                "data_versions"], None),
}

# Many-to-many fields whose changes are logged, on the model that declares them: label → field names.
TRACKED_M2M: dict[str, list[str]] = {
    "accounts.User": ["groups", "user_permissions"],
    "platforms.Platform": ["coordinators"],
    "rounds.ReportingRound": ["themes"],
    "initiatives.Initiative": ["target_groups", "asked_of", "partners_involved", "themes"],
    "parliament.ParliamentaryQuestion": ["rounds"],
}

_PLATFORM_RESOLVERS: dict[type, Callable] = {}


def platform_ids(obj) -> list[int]:
    """The ids of the platforms a change to `obj` concerns (none for round-wide or global objects)."""
    resolver = _PLATFORM_RESOLVERS.get(type(obj))
    return sorted({pk for pk in resolver(obj) if pk}) if resolver else []


def additional_data_for(obj, *, extra_platform_ids: Iterable[int] = ()) -> dict | None:
    """What an entry on `obj` carries besides the change: its platforms and the command that made it."""
    data = {}
    ids = sorted(set(platform_ids(obj)) | set(extra_platform_ids))
    if ids:
        data["platforms"] = {str(pk): True for pk in ids}
    command = current_command()
    if command:
        data["command"] = command
    return data or None


def _get_additional_data(self):
    return additional_data_for(self)


def _m2m_receiver(field_name: str):
    """A receiver logging one entry per add/remove/clear on `field_name`, from either side of the relation."""
    cleared: dict[tuple[type, object], list] = {}

    def receiver(sender, instance, action, reverse, model, pk_set, **kwargs):
        if auditlog_disabled.get():
            return
        if action == "pre_clear":
            # Remember what is about to go: post_clear no longer knows.
            manager = getattr(instance, _accessor(sender, instance, field_name, reverse))
            cleared[(type(instance), instance.pk)] = list(manager.all())
            return
        if action not in ("post_add", "post_remove", "post_clear"):
            return
        if action == "post_clear":
            objects = cleared.pop((type(instance), instance.pk), [])
        else:
            objects = list(model._default_manager.filter(pk__in=pk_set)) if pk_set else []
        if not objects:
            return
        name = _accessor(sender, instance, field_name, reverse)
        # Whichever side was changed, an entry knows the platforms on both sides.
        from platforms.models import Platform

        extra = [o.pk for o in objects if isinstance(o, Platform)]
        LogEntry.objects.log_create(
            instance,
            action=LogEntry.Action.UPDATE,
            changes={name: {"type": "m2m", "operation": "add" if action == "post_add" else "delete",
                            "objects": [smart_str(o) for o in objects]}},
            additional_data=additional_data_for(instance, extra_platform_ids=extra),
        )

    return receiver


def _accessor(through, instance, field_name: str, reverse: bool) -> str:
    if not reverse:
        return field_name
    # The reverse side: e.g. user.coordinated_platforms for Platform.coordinators.
    for rel in instance._meta.related_objects:
        if rel.many_to_many and rel.through is through:
            return rel.get_accessor_name()
    return field_name


def register_tracked_models() -> None:
    """Register every tracked model with django-auditlog and attach its platform lookup."""
    for label, (exclude, resolver) in TRACKED.items():
        model = apps.get_model(label)
        auditlog.register(model, exclude_fields=[*NOISE_FIELDS, *exclude])
        if resolver is not None:
            _PLATFORM_RESOLVERS[model] = resolver
        # auditlog reads get_additional_data from the instance; attached here so no models.py changes.
        model.get_additional_data = _get_additional_data
    for label, fields in TRACKED_M2M.items():
        model = apps.get_model(label)
        for field_name in fields:
            through = model._meta.get_field(field_name).remote_field.through
            m2m_changed.connect(_m2m_receiver(field_name), sender=through, weak=False,
                                dispatch_uid=f"audit-m2m-{label}-{field_name}")
