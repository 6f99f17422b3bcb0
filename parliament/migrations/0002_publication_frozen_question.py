import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('parliament', '0001_initial'),
    ]

    operations = [
        migrations.AddField(
            model_name='publication',
            name='corrects',
            field=models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='corrected_by', to='parliament.publication', verbose_name='corrects'),
        ),
        migrations.AddField(
            model_name='publication',
            name='question_data',
            field=models.JSONField(default=dict, verbose_name='the question at publication'),
            preserve_default=False,
        ),
    ]
