"""The rounds, themes, reports and reminders moved to the `rounds` app; their tables stay.

Only Django's idea of where the models live changes (state); nothing happens in the database.
The content types follow, so that admin log entries and permissions keep pointing at them.
"""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MOVED = ["reportinground", "theme", "report", "historicalreport", "reminder"]


def move_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="rounds", model=model).exists():
            ContentType.objects.filter(app_label="initiatives", model=model).update(app_label="rounds")


def move_content_types_back(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if not ContentType.objects.filter(app_label="initiatives", model=model).exists():
            ContentType.objects.filter(app_label="rounds", model=model).update(app_label="initiatives")


class Migration(migrations.Migration):

    dependencies = [
        ('contenttypes', '0002_remove_content_type_name'),
        ('initiatives', '0004_round_data_version'),
        ('rounds', '0001_initial'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            database_operations=[],
            state_operations=[
            migrations.RemoveField(
                model_name='historicalreport',
                name='history_user',
            ),
            migrations.RemoveField(
                model_name='historicalreport',
                name='platform',
            ),
            migrations.RemoveField(
                model_name='historicalreport',
                name='returned_by',
            ),
            migrations.RemoveField(
                model_name='historicalreport',
                name='round',
            ),
            migrations.RemoveField(
                model_name='historicalreport',
                name='submitted_by',
            ),
            migrations.RemoveConstraint(
                model_name='reminder',
                name='reminder_once_a_day',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_one_per_platform_per_round',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_status_valid',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_adjusted_period_implies_procedure',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_newcomers_valid',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_preschool_valid',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_excluded_pupils_valid',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_only_preschool_can_be_not_applicable',
            ),
            migrations.RemoveConstraint(
                model_name='report',
                name='report_submitted_has_date',
            ),

            migrations.AlterField(
                model_name='initiative',
                name='report',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='initiatives', to='rounds.report', verbose_name='report'),
            ),
            migrations.AlterField(
                model_name='themeanswer',
                name='report',
                field=models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='theme_answers', to='rounds.report', verbose_name='report'),
            ),
            migrations.AlterField(
                model_name='historicalinitiative',
                name='report',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='rounds.report', verbose_name='report'),
            ),
            migrations.AlterField(
                model_name='historicalthemeanswer',
                name='report',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='rounds.report', verbose_name='report'),
            ),
            migrations.RemoveConstraint(
                model_name='reportinground',
                name='round_deadline_not_before_opening',
            ),
            migrations.RemoveConstraint(
                model_name='reportinground',
                name='round_period_end_not_before_start',
            ),
            migrations.AlterField(
                model_name='themeanswer',
                name='theme',
                field=models.ForeignKey(on_delete=django.db.models.deletion.PROTECT, related_name='answers', to='rounds.theme', verbose_name='theme'),
            ),
            migrations.AlterField(
                model_name='historicalinitiative_themes',
                name='theme',
                field=models.ForeignKey(blank=True, db_constraint=False, db_tablespace='', null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='rounds.theme'),
            ),
            migrations.RemoveField(
                model_name='initiative',
                name='themes',
            ),
            migrations.AlterField(
                model_name='historicalthemeanswer',
                name='theme',
                field=models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='rounds.theme', verbose_name='theme'),
            ),
            migrations.DeleteModel(
                name='HistoricalReport',
            ),
            migrations.RemoveField(
                model_name='report',
                name='platform',
            ),
            migrations.RemoveField(
                model_name='report',
                name='returned_by',
            ),
            migrations.RemoveField(
                model_name='report',
                name='round',
            ),
            migrations.RemoveField(
                model_name='report',
                name='submitted_by',
            ),
            migrations.RemoveField(
                model_name='report',
                name='updated_by',
            ),
            migrations.RemoveField(
                model_name='reportinground',
                name='themes',
            ),
            migrations.AddField(
                model_name='initiative',
                name='themes',
                field=models.ManyToManyField(blank=True, related_name='initiatives', to='rounds.theme', verbose_name='related themes'),
            ),
            migrations.DeleteModel(
                name='Reminder',
            ),
            migrations.DeleteModel(
                name='Report',
            ),
            migrations.DeleteModel(
                name='ReportingRound',
            ),
            migrations.DeleteModel(
                name='Theme',
            ),
            ],
        ),
        migrations.RunPython(move_content_types, move_content_types_back),
    ]
