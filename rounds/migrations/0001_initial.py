"""Rounds, themes, reports and reminders, as they were in `initiatives` (state only: the tables exist)."""


import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('initiatives', '0004_round_data_version'),
        ('platforms', '0002_reserved_codes'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        # The models moved here from `initiatives` with their tables (see initiatives/0005_move_to_rounds).
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.CreateModel(
                name='ReportingRound',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('slug', models.SlugField(error_messages={'unique': 'A round with this code already exists.'}, max_length=60, unique=True, verbose_name='code')),
                    ('title', models.CharField(max_length=200, verbose_name='title')),
                    ('period_start', models.DateField(verbose_name='period from')),
                    ('period_end', models.DateField(blank=True, null=True, verbose_name='period until')),
                    ('opens_on', models.DateField(verbose_name='opens on')),
                    ('deadline', models.DateField(help_text='Coordinators can change their report until the end of this day.', verbose_name='deadline')),
                    ('closed_at', models.DateTimeField(blank=True, null=True, verbose_name='closed at')),
                    ('data_version', models.PositiveBigIntegerField(default=0, editable=False, verbose_name='data version')),
                ],
                options={
                    'verbose_name': 'reporting round',
                    'verbose_name_plural': 'reporting rounds',
                    'db_table': 'initiatives_reportinground',
                    'ordering': ['-opens_on', 'title'],
                },
            ),
            migrations.CreateModel(
                name='Theme',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('slug', models.SlugField(error_messages={'unique': 'A theme with this code already exists.'}, max_length=60, unique=True, verbose_name='code')),
                    ('name', models.CharField(max_length=200, verbose_name='name')),
                    ('description', models.TextField(blank=True, verbose_name='description')),
                    ('position', models.PositiveSmallIntegerField(default=0, verbose_name='position')),
                    ('is_active', models.BooleanField(default=True, verbose_name='active')),
                ],
                options={
                    'verbose_name': 'theme',
                    'verbose_name_plural': 'themes',
                    'db_table': 'initiatives_theme',
                    'ordering': ['position', 'name'],
                },
            ),
            migrations.CreateModel(
                name='HistoricalReport',
                fields=[
                    ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                    ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('returned', 'Returned')], default='draft', max_length=20, verbose_name='status')),
                    ('registration_procedure_used', models.BooleanField(blank=True, null=True, verbose_name='registration procedure used')),
                    ('application_period_adjusted', models.BooleanField(blank=True, null=True, verbose_name='application period adjusted')),
                    ('enrolment_period_adjusted', models.BooleanField(blank=True, null=True, verbose_name='enrolment period adjusted')),
                    ('free_enrolment_period_adjusted', models.BooleanField(blank=True, null=True, verbose_name='free enrolment period adjusted')),
                    ('registrations_note', models.TextField(blank=True, max_length=4000, verbose_name='note on registrations')),
                    ('newcomers', models.CharField(blank=True, choices=[('none', 'No arrangements'), ('unchanged', 'Arrangements unchanged'), ('adjusted', 'Arrangements adjusted'), ('not_applicable', 'Not applicable')], max_length=20, verbose_name='newcomers')),
                    ('newcomers_note', models.TextField(blank=True, max_length=4000, verbose_name='note on newcomers')),
                    ('preschool', models.CharField(blank=True, choices=[('none', 'No arrangements'), ('unchanged', 'Arrangements unchanged'), ('adjusted', 'Arrangements adjusted'), ('not_applicable', 'Not applicable')], max_length=20, verbose_name='pre-school participation')),
                    ('preschool_note', models.TextField(blank=True, max_length=4000, verbose_name='note on pre-school participation')),
                    ('excluded_pupils', models.CharField(blank=True, choices=[('none', 'No arrangements'), ('unchanged', 'Arrangements unchanged'), ('adjusted', 'Arrangements adjusted'), ('not_applicable', 'Not applicable')], max_length=20, verbose_name='excluded pupils')),
                    ('excluded_pupils_note', models.TextField(blank=True, max_length=4000, verbose_name='note on excluded pupils')),
                    ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted at')),
                    ('return_comment', models.TextField(blank=True, max_length=4000, verbose_name='comment when returned')),
                    ('returned_at', models.DateTimeField(blank=True, null=True, verbose_name='returned at')),
                    ('reopened', models.BooleanField(default=False, verbose_name='reopened after the deadline')),
                    ('history_id', models.AutoField(primary_key=True, serialize=False)),
                    ('history_date', models.DateTimeField(db_index=True)),
                    ('history_change_reason', models.CharField(max_length=100, null=True)),
                    ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                    ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                    ('platform', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='platforms.platform', verbose_name='platform')),
                    ('returned_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='returned by')),
                    ('submitted_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='submitted by')),
                    ('round', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='rounds.reportinground', verbose_name='reporting round')),
                ],
                options={
                    'verbose_name': 'historical report',
                    'verbose_name_plural': 'historical reports',
                    'db_table': 'initiatives_historicalreport',
                    'ordering': ('-history_date', '-history_id'),
                    'get_latest_by': ('history_date', 'history_id'),
                },
                bases=(simple_history.models.HistoricalChanges, models.Model),
            ),
            migrations.AddField(
                model_name='reportinground',
                name='themes',
                field=models.ManyToManyField(blank=True, db_table='initiatives_reportinground_themes', related_name='rounds', to='rounds.theme', verbose_name='themes'),
            ),
            migrations.CreateModel(
                name='Report',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('status', models.CharField(choices=[('draft', 'Draft'), ('submitted', 'Submitted'), ('returned', 'Returned')], default='draft', max_length=20, verbose_name='status')),
                    ('version', models.PositiveIntegerField(default=0, verbose_name='version')),
                    ('registration_procedure_used', models.BooleanField(blank=True, null=True, verbose_name='registration procedure used')),
                    ('application_period_adjusted', models.BooleanField(blank=True, null=True, verbose_name='application period adjusted')),
                    ('enrolment_period_adjusted', models.BooleanField(blank=True, null=True, verbose_name='enrolment period adjusted')),
                    ('free_enrolment_period_adjusted', models.BooleanField(blank=True, null=True, verbose_name='free enrolment period adjusted')),
                    ('registrations_note', models.TextField(blank=True, max_length=4000, verbose_name='note on registrations')),
                    ('newcomers', models.CharField(blank=True, choices=[('none', 'No arrangements'), ('unchanged', 'Arrangements unchanged'), ('adjusted', 'Arrangements adjusted'), ('not_applicable', 'Not applicable')], max_length=20, verbose_name='newcomers')),
                    ('newcomers_note', models.TextField(blank=True, max_length=4000, verbose_name='note on newcomers')),
                    ('preschool', models.CharField(blank=True, choices=[('none', 'No arrangements'), ('unchanged', 'Arrangements unchanged'), ('adjusted', 'Arrangements adjusted'), ('not_applicable', 'Not applicable')], max_length=20, verbose_name='pre-school participation')),
                    ('preschool_note', models.TextField(blank=True, max_length=4000, verbose_name='note on pre-school participation')),
                    ('excluded_pupils', models.CharField(blank=True, choices=[('none', 'No arrangements'), ('unchanged', 'Arrangements unchanged'), ('adjusted', 'Arrangements adjusted'), ('not_applicable', 'Not applicable')], max_length=20, verbose_name='excluded pupils')),
                    ('excluded_pupils_note', models.TextField(blank=True, max_length=4000, verbose_name='note on excluded pupils')),
                    ('submitted_at', models.DateTimeField(blank=True, null=True, verbose_name='submitted at')),
                    ('return_comment', models.TextField(blank=True, max_length=4000, verbose_name='comment when returned')),
                    ('returned_at', models.DateTimeField(blank=True, null=True, verbose_name='returned at')),
                    ('reopened', models.BooleanField(default=False, verbose_name='reopened after the deadline')),
                    ('updated_at', models.DateTimeField(blank=True, null=True, verbose_name='last changed')),
                    ('platform', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='platforms.platform', verbose_name='platform')),
                    ('returned_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='returned by')),
                    ('submitted_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='submitted by')),
                    ('updated_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL, verbose_name='last changed by')),
                    ('round', models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='reports', to='rounds.reportinground', verbose_name='reporting round')),
                ],
                options={
                    'verbose_name': 'report',
                    'verbose_name_plural': 'reports',
                    'db_table': 'initiatives_report',
                    'ordering': ['round', 'platform__name'],
                    'constraints': [models.UniqueConstraint(fields=('round', 'platform'), name='report_one_per_platform_per_round', violation_error_message='This platform already has a report for this round.'), models.CheckConstraint(condition=models.Q(('status__in', ['draft', 'submitted', 'returned'])), name='report_status_valid', violation_error_message='Unknown status.'), models.CheckConstraint(condition=models.Q(('registration_procedure_used', True), models.Q(models.Q(('application_period_adjusted', True), _negated=True), models.Q(('enrolment_period_adjusted', True), _negated=True)), _connector='OR'), name='report_adjusted_period_implies_procedure', violation_error_message='An adjusted application or enrolment period implies that a registration procedure was used.'), models.CheckConstraint(condition=models.Q(('newcomers__in', ['none', 'unchanged', 'adjusted', 'not_applicable', ''])), name='report_newcomers_valid', violation_error_message='Unknown answer.'), models.CheckConstraint(condition=models.Q(('preschool__in', ['none', 'unchanged', 'adjusted', 'not_applicable', ''])), name='report_preschool_valid', violation_error_message='Unknown answer.'), models.CheckConstraint(condition=models.Q(('excluded_pupils__in', ['none', 'unchanged', 'adjusted', 'not_applicable', ''])), name='report_excluded_pupils_valid', violation_error_message='Unknown answer.'), models.CheckConstraint(condition=models.Q(models.Q(('newcomers', 'not_applicable'), _negated=True), models.Q(('excluded_pupils', 'not_applicable'), _negated=True)), name='report_only_preschool_can_be_not_applicable', violation_error_message='Only pre-school participation can be not applicable.'), models.CheckConstraint(condition=models.Q(models.Q(('status', 'submitted'), _negated=True), ('submitted_at__isnull', False), _connector='OR'), name='report_submitted_has_date', violation_error_message='A submitted report has a submission date.')],
                },
            ),
            migrations.CreateModel(
                name='Reminder',
                fields=[
                    ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                    ('sent_on', models.DateField(verbose_name='sent on')),
                    ('sent_at', models.DateTimeField(verbose_name='sent at')),
                    ('recipients', models.TextField(verbose_name='recipients')),
                    ('platform', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='platforms.platform', verbose_name='platform')),
                    ('round', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='reminders', to='rounds.reportinground', verbose_name='reporting round')),
                ],
                options={
                    'verbose_name': 'reminder',
                    'verbose_name_plural': 'reminders',
                    'db_table': 'initiatives_reminder',
                    'ordering': ['-sent_at'],
                    'constraints': [models.UniqueConstraint(fields=('round', 'platform', 'sent_on'), name='reminder_once_a_day', violation_error_message='This platform was already reminded today.')],
                },
            ),
            migrations.AddConstraint(
                model_name='reportinground',
                constraint=models.CheckConstraint(condition=models.Q(('deadline__gte', models.F('opens_on'))), name='round_deadline_not_before_opening', violation_error_message='The deadline cannot be before the opening date.'),
            ),
            migrations.AddConstraint(
                model_name='reportinground',
                constraint=models.CheckConstraint(condition=models.Q(('period_end__isnull', True), ('period_end__gte', models.F('period_start')), _connector='OR'), name='round_period_end_not_before_start', violation_error_message='The end of the period cannot be before its start.'),
            ),
            ],
        ),
    ]
