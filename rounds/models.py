import datetime

from django.conf import settings
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from simple_history.models import HistoricalRecords

from platforms.models import Platform

# Free text is limited in the forms (TextField max_length is not a database limit).
TEXT_MAX_LENGTH = 4000


class Theme(models.Model):
    """A theme a round asks about (laptops, reaching all pupils, ...); themes are data, not code."""

    slug = models.SlugField(_("code"), max_length=60, unique=True,
                            error_messages={"unique": _("A theme with this code already exists.")})
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    position = models.PositiveSmallIntegerField(_("position"), default=0)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        db_table = "initiatives_theme"  # moved from the initiatives app; the table stays
        verbose_name = _("theme")
        verbose_name_plural = _("themes")
        ordering = ["position", "name"]

    def __str__(self):
        return self.name


class RoundState(models.TextChoices):
    """Where a round stands, as every page that lists it shows it (`ReportingRound.state`)."""

    NOT_YET_OPEN = "not_yet_open", _("Not open yet")
    OPEN = "open", _("Open")
    DEADLINE_PASSED = "deadline_passed", _("Deadline passed")
    CLOSED = "closed", _("Closed")


class ReportingRound(models.Model):
    """A round in which every platform reports on one period (e.g. the corona school closure of 2020)."""

    slug = models.SlugField(_("code"), max_length=60, unique=True,
                            error_messages={"unique": _("A round with this code already exists.")})
    title = models.CharField(_("title"), max_length=200)
    period_start = models.DateField(_("period from"))
    period_end = models.DateField(_("period until"), null=True, blank=True)
    opens_on = models.DateField(_("opens on"))
    deadline = models.DateField(_("deadline"), help_text=_("Coordinators can change their report until the end "
                                                           "of this day."))
    themes = models.ManyToManyField(Theme, verbose_name=_("themes"), related_name="rounds", blank=True,
                                    db_table="initiatives_reportinground_themes")
    # The platforms the round asks (its roster): every figure of the round is over these.
    platforms = models.ManyToManyField(Platform, through="RoundPlatform", related_name="rounds", blank=True,
                                       verbose_name=_("platforms"))
    # A closed round is read-only for everyone: no changes, no reopening, no reminders.
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    # Raised by every service that changes a figure of the round, drafts' too; the cached summary with
    # drafts (include_drafts) is keyed on it.
    data_version = models.PositiveBigIntegerField(_("data version"), default=0, editable=False)
    # Raised only when a figure of the submitted reports may have changed (not by a draft's save): the
    # ministry's default summary is keyed on it, so the coordinators' autosaves do not empty its cache.
    submitted_version = models.PositiveBigIntegerField(_("submitted data version"), default=0, editable=False)
    # When its coordinators were told that it opened (rounds/services/opening_mail.py); set once, by a
    # conditional UPDATE, so that no round is announced twice.
    opening_mailed_at = models.DateTimeField(_("opening mailed at"), null=True, blank=True, editable=False)

    class Meta:
        db_table = "initiatives_reportinground"
        verbose_name = _("reporting round")
        verbose_name_plural = _("reporting rounds")
        ordering = ["-opens_on", "title"]
        constraints = [
            models.CheckConstraint(
                condition=Q(deadline__gte=models.F("opens_on")),
                name="round_deadline_not_before_opening",
                violation_error_message=_("The deadline cannot be before the opening date."),
            ),
            models.CheckConstraint(
                condition=Q(period_end__isnull=True) | Q(period_end__gte=models.F("period_start")),
                name="round_period_end_not_before_start",
                violation_error_message=_("The end of the period cannot be before its start."),
            ),
        ]

    def __str__(self):
        return self.title

    def save(self, **kwargs):
        # The data version is only ever raised in the database (summary.round_data_changed): saving
        # a round that was loaded earlier (a form, the Django admin) must not write back its copy,
        # which a report saved meanwhile may have raised. The same for the opening mail's mark.
        if not self._state.adding and kwargs.get("update_fields") is None and not kwargs.get("force_insert"):
            kwargs["update_fields"] = [f.name for f in self._meta.concrete_fields
                                       if not f.primary_key
                                       and f.name not in ("data_version", "submitted_version", "opening_mailed_at")]
        super().save(**kwargs)

    @property
    def is_closed(self) -> bool:
        return self.closed_at is not None

    @property
    def state(self) -> RoundState:
        return self.state_on(timezone.localdate())

    def state_on(self, today: datetime.date) -> RoundState:
        """The round's state on a day; the deadline is a whole day in Brussels (as `permissions.deadline_passed`)."""
        if self.is_closed:
            return RoundState.CLOSED
        if today < self.opens_on:
            return RoundState.NOT_YET_OPEN
        if today > self.deadline:
            return RoundState.DEADLINE_PASSED
        return RoundState.OPEN


class ReportStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    RETURNED = "returned", _("Returned")


class Report(models.Model):
    """One platform's answers for one reporting round, from draft to submitted; the answers are `Answer` rows."""

    round = models.ForeignKey(ReportingRound, on_delete=models.PROTECT, related_name="reports",
                              verbose_name=_("reporting round"))
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="reports",
                                 verbose_name=_("platform"))
    status = models.CharField(_("status"), max_length=20, choices=ReportStatus.choices, default=ReportStatus.DRAFT)
    # Optimistic locking: every save raises it; a save that started from an older version is refused.
    version = models.PositiveIntegerField(_("version"), default=0)

    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                     related_name="+", verbose_name=_("submitted by"))
    return_comment = models.TextField(_("comment when returned"), max_length=TEXT_MAX_LENGTH, blank=True)
    returned_at = models.DateTimeField(_("returned at"), null=True, blank=True)
    returned_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("returned by"))
    reopened = models.BooleanField(_("reopened after the deadline"), default=False)
    # Set by the same UPDATE that raises the version, so a refused stale save can say who was first.
    updated_at = models.DateTimeField(_("last changed"), null=True, blank=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="+", verbose_name=_("last changed by"))

    history = HistoricalRecords(excluded_fields=["version", "updated_at", "updated_by"],
                                table_name="initiatives_historicalreport")

    class Meta:
        db_table = "initiatives_report"
        verbose_name = _("report")
        verbose_name_plural = _("reports")
        ordering = ["round", "platform__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "platform"], name="report_one_per_platform_per_round",
                                    violation_error_message=_("This platform already has a report for this round.")),
            models.CheckConstraint(condition=Q(status__in=ReportStatus.values), name="report_status_valid",
                                   violation_error_message=_("Unknown status.")),
            models.CheckConstraint(
                condition=~Q(status=ReportStatus.SUBMITTED) | Q(submitted_at__isnull=False),
                name="report_submitted_has_date",
                violation_error_message=_("A submitted report has a submission date."),
            ),
        ]

    def __str__(self):
        return f"{self.platform} – {self.round}"

    def get_absolute_url(self):
        return reverse("rounds:report", kwargs={"round_slug": self.round.slug, "code": self.platform.code})


class Reminder(models.Model):
    """A reminder mailed to a platform's coordinators that its report for a round is not submitted yet."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="reminders",
                              verbose_name=_("reporting round"))
    platform = models.ForeignKey(Platform, on_delete=models.CASCADE, related_name="reminders",
                                 verbose_name=_("platform"))
    sent_on = models.DateField(_("sent on"))
    sent_at = models.DateTimeField(_("sent at"))
    recipients = models.TextField(_("recipients"))

    class Meta:
        db_table = "initiatives_reminder"
        verbose_name = _("reminder")
        verbose_name_plural = _("reminders")
        ordering = ["-sent_at"]
        constraints = [
            models.UniqueConstraint(fields=["round", "platform", "sent_on"], name="reminder_once_a_day",
                                    violation_error_message=_("This platform was already reminded today.")),
        ]

    def __str__(self):
        return f"{self.platform} – {self.sent_on}"


class RoundPlatform(models.Model):
    """A platform a round asks: all active platforms when the round opens, then changed only by an admin."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="round_platforms",
                              verbose_name=_("reporting round"))
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="round_platforms",
                                 verbose_name=_("platform"))
    added_at = models.DateTimeField(_("added at"), default=timezone.now)

    class Meta:
        verbose_name = _("platform of a round")
        verbose_name_plural = _("platforms of a round")
        ordering = ["round", "platform__level", "platform__name"]
        constraints = [
            models.UniqueConstraint(fields=["round", "platform"], name="round_platform_once",
                                    violation_error_message=_("This platform is already in this round.")),
        ]

    def __str__(self):
        return f"{self.platform} – {self.round}"


class RosterAction(models.TextChoices):
    ADDED = "added", _("Added to the round")
    REMOVED = "removed", _("Taken out of the round")


class RosterChange(models.Model):
    """An admin's change to the platforms of a round that is open, with the reason given."""

    round = models.ForeignKey(ReportingRound, on_delete=models.CASCADE, related_name="roster_changes",
                              verbose_name=_("reporting round"))
    platform = models.ForeignKey(Platform, on_delete=models.PROTECT, related_name="+", verbose_name=_("platform"))
    action = models.CharField(_("change"), max_length=10, choices=RosterAction.choices)
    reason = models.TextField(_("reason"), max_length=TEXT_MAX_LENGTH)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True,
                              related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)

    class Meta:
        verbose_name = _("change to the platforms of a round")
        verbose_name_plural = _("changes to the platforms of a round")
        ordering = ["-at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(action__in=RosterAction.values), name="roster_change_action_valid",
                                   violation_error_message=_("Unknown change.")),
            models.CheckConstraint(condition=~Q(reason=""), name="roster_change_has_reason",
                                   violation_error_message=_("Give a reason.")),
        ]

    def __str__(self):
        return f"{self.get_action_display()}: {self.platform} – {self.round}"


# The questionnaire of a round ---------------------------------------------------------------------------------


class QuestionKind(models.TextChoices):
    YESNO = "yesno", _("Yes/no")
    CHOICE = "choice", _("One of a list")
    MULTIPLE = "multiple", _("Several of a list")
    NUMBER = "number", _("Whole number")
    TEXT = "text", _("Short text")
    DATE = "date", _("Date")


class LevelScope(models.TextChoices):
    """Which platforms a section or question applies to."""

    BOTH = "", _("Both levels")
    BASIS = "basis", _("Basisonderwijs")
    SECUNDAIR = "secundair", _("Secundair onderwijs")


KEY_HELP = _("Lower-case letters, digits and underscores, starting with a letter; stable across rounds so that "
             "rounds can be compared.")
key_validator = RegexValidator(r"^[a-z][a-z0-9_]*\Z", _("Use lower-case letters, digits and underscores, "
                                                        "starting with a letter."))


class Questionnaire(models.Model):
    """The questions a round asks, in sections; one per round, read-only once a report was saved."""

    round = models.OneToOneField(ReportingRound, on_delete=models.CASCADE, related_name="questionnaire",
                                 verbose_name=_("reporting round"))
    # Raised by every change to the sections, questions or choices: the parsed definition is cached on it.
    version = models.PositiveIntegerField(_("version"), default=0)
    copied_from = models.ForeignKey(ReportingRound, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="+", verbose_name=_("copied from"))

    class Meta:
        verbose_name = _("questionnaire")
        verbose_name_plural = _("questionnaires")

    def __str__(self):
        return str(self.round)


class Section(models.Model):
    """An ordered group of questions, with an optional note; asked once, or once per theme of the round."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="sections",
                                      verbose_name=_("questionnaire"))
    key = models.CharField(_("key"), max_length=60, validators=[key_validator], help_text=KEY_HELP)
    title = models.CharField(_("title"), max_length=200)
    help_text = models.TextField(_("help text"), blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    level = models.CharField(_("asked of"), max_length=10, choices=LevelScope.choices, blank=True)
    per_theme = models.BooleanField(_("asked once per theme"), default=False)
    # The section's free-text note; its key names the column in the report file.
    note_key = models.CharField(_("note key"), max_length=60, blank=True, validators=[key_validator])
    note_label = models.CharField(_("note label"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("section")
        verbose_name_plural = _("sections")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="section_key_unique",
                                    violation_error_message=_("Another section has this key.")),
            models.CheckConstraint(condition=Q(level__in=LevelScope.values), name="section_level_valid",
                                   violation_error_message=_("Unknown level.")),
            models.UniqueConstraint(fields=["questionnaire", "note_key"], condition=~Q(note_key=""),
                                    name="section_note_key_unique",
                                    violation_error_message=_("Another section's note has this key.")),
        ]

    def __str__(self):
        return self.title


class Question(models.Model):
    """One question of a questionnaire: its key, wording, kind, and when it is asked or follows from others."""

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="questions",
                                      verbose_name=_("questionnaire"))
    section = models.ForeignKey(Section, on_delete=models.CASCADE, related_name="questions",
                                verbose_name=_("section"))
    key = models.CharField(_("key"), max_length=60, validators=[key_validator], help_text=KEY_HELP)
    label = models.CharField(_("question"), max_length=500)
    help_text = models.TextField(_("help text"), blank=True)
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    required = models.BooleanField(_("required to submit"), default=True)
    level = models.CharField(_("asked of"), max_length=10, choices=LevelScope.choices, blank=True)
    position = models.PositiveIntegerField(_("position"), default=0)
    # Conditions in XLSForm's syntax (`${key} = 'value'`, `selected(${key}, 'value')`, and, or, parentheses).
    relevant = models.CharField(_("asked only when"), max_length=1000, blank=True)
    implied_when = models.CharField(_("answer follows when"), max_length=1000, blank=True)
    implied_value = models.CharField(_("the answer that follows"), max_length=200, blank=True)
    min_value = models.BigIntegerField(_("minimum"), null=True, blank=True)
    max_value = models.BigIntegerField(_("maximum"), null=True, blank=True)
    # The sentence the answer to parliament gives for this question, with its figures as references
    # (`{{ key.yes.total }}`, summaries/references.py); blank: the default sentence for its kind.
    sentence = models.TextField(_("sentence in the answer"), max_length=2000, blank=True)

    class Meta:
        verbose_name = _("question")
        verbose_name_plural = _("questions")
        ordering = ["section__position", "section_id", "position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["questionnaire", "key"], name="question_key_unique",
                                    violation_error_message=_("Another question has this key.")),
            models.CheckConstraint(condition=Q(kind__in=QuestionKind.values), name="question_kind_valid",
                                   violation_error_message=_("Unknown kind of question.")),
            models.CheckConstraint(condition=Q(level__in=LevelScope.values), name="question_level_valid",
                                   violation_error_message=_("Unknown level.")),
            models.CheckConstraint(
                condition=Q(min_value__isnull=True) | Q(max_value__isnull=True) | Q(max_value__gte=F("min_value")),
                name="question_min_not_above_max",
                violation_error_message=_("The minimum cannot be above the maximum."),
            ),
            models.CheckConstraint(
                condition=(Q(implied_when="") & Q(implied_value="")) | (~Q(implied_when="") & ~Q(implied_value="")),
                name="question_implied_has_condition_and_value",
                violation_error_message=_("An answer that follows needs both its condition and its value."),
            ),
        ]

    def __str__(self):
        return self.label


class Choice(models.Model):
    """One option of a one-of-a-list or several-of-a-list question."""

    question = models.ForeignKey(Question, on_delete=models.CASCADE, related_name="choices",
                                 verbose_name=_("question"))
    name = models.CharField(_("name"), max_length=60, validators=[RegexValidator(
        r"^[A-Za-z_][A-Za-z0-9_.-]*\Z", _("Use letters, digits, _, . and -, starting with a letter or _."))])
    label = models.CharField(_("label"), max_length=200)
    position = models.PositiveIntegerField(_("position"), default=0)

    class Meta:
        verbose_name = _("choice")
        verbose_name_plural = _("choices")
        ordering = ["position", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["question", "name"], name="choice_name_unique",
                                    violation_error_message=_("Another choice of this question has this name.")),
        ]

    def __str__(self):
        return self.label


class Answer(models.Model):
    """One answer of a report to one question (per theme for a section asked per theme).

    No row means "not answered" (or not asked). A several-of-a-list answer is one row per chosen
    option, so that the summary counts every option with one grouped aggregate.
    """

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="answers", verbose_name=_("report"))
    question = models.ForeignKey(Question, on_delete=models.PROTECT, related_name="answers",
                                 verbose_name=_("question"))
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("theme"))
    # A copy of the question's kind, so that the database can hold the rules of each kind.
    kind = models.CharField(_("kind"), max_length=10, choices=QuestionKind.choices)
    # yes/no: "yes" or "no"; a list: the choice's name; a number: its digits; a date: YYYY-MM-DD; text: the text.
    value = models.CharField(_("answer"), max_length=TEXT_MAX_LENGTH)
    number = models.BigIntegerField(_("number"), null=True, blank=True)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("answer")
        verbose_name_plural = _("answers")
        constraints = [
            models.CheckConstraint(condition=Q(kind__in=QuestionKind.values), name="answer_kind_valid",
                                   violation_error_message=_("Unknown kind of question.")),
            models.CheckConstraint(condition=~Q(value=""), name="answer_not_empty",
                                   violation_error_message=_("An empty answer is no answer: leave it out.")),
            models.CheckConstraint(condition=~Q(kind=QuestionKind.YESNO) | Q(value__in=["yes", "no"]),
                                   name="answer_yesno_valid", violation_error_message=_("Answer yes or no.")),
            models.CheckConstraint(
                condition=(Q(kind=QuestionKind.NUMBER) & Q(number__isnull=False))
                | (~Q(kind=QuestionKind.NUMBER) & Q(number__isnull=True)),
                name="answer_number_iff_number_kind",
                violation_error_message=_("A number question is answered with a number."),
            ),
            # One answer per question (and theme); one row per chosen option for several of a list.
            models.UniqueConstraint(fields=["report", "question"],
                                    condition=Q(theme__isnull=True) & ~Q(kind=QuestionKind.MULTIPLE),
                                    name="answer_one_per_question"),
            models.UniqueConstraint(fields=["report", "question", "theme"],
                                    condition=Q(theme__isnull=False) & ~Q(kind=QuestionKind.MULTIPLE),
                                    name="answer_one_per_question_and_theme"),
            models.UniqueConstraint(fields=["report", "question", "value"],
                                    condition=Q(theme__isnull=True) & Q(kind=QuestionKind.MULTIPLE),
                                    name="answer_option_once"),
            models.UniqueConstraint(fields=["report", "question", "theme", "value"],
                                    condition=Q(theme__isnull=False) & Q(kind=QuestionKind.MULTIPLE),
                                    name="answer_option_once_per_theme"),
        ]
        indexes = [models.Index(fields=["question", "value"], name="answer_question_value")]

    def __str__(self):
        return f"{self.question.key}: {self.value}"


class Note(models.Model):
    """A report's free-text note on a section (per theme for a section asked per theme)."""

    report = models.ForeignKey(Report, on_delete=models.CASCADE, related_name="notes", verbose_name=_("report"))
    section = models.ForeignKey(Section, on_delete=models.PROTECT, related_name="notes", verbose_name=_("section"))
    theme = models.ForeignKey(Theme, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("theme"))
    text = models.TextField(_("note"), max_length=TEXT_MAX_LENGTH)

    history = HistoricalRecords()

    class Meta:
        verbose_name = _("note")
        verbose_name_plural = _("notes")
        constraints = [
            models.CheckConstraint(condition=~Q(text=""), name="note_not_empty",
                                   violation_error_message=_("An empty note is no note: leave it out.")),
            models.UniqueConstraint(fields=["report", "section"], condition=Q(theme__isnull=True),
                                    name="note_one_per_section"),
            models.UniqueConstraint(fields=["report", "section", "theme"], condition=Q(theme__isnull=False),
                                    name="note_one_per_section_and_theme"),
        ]

    def __str__(self):
        return self.text[:60]
