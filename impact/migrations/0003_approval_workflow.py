"""Impact assessments move onto the core's approval workflow, step 2: the series key is
required and the linked list goes; the workflow's constraints (one row per version number,
one approved version per series, approval recorded)."""

import uuid

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("impact", "0002_series_of_versions"),
    ]

    operations = [
        migrations.RemoveConstraint(
            model_name="impactassessment",
            name="impact_impactassessment_approval_recorded",
        ),
        migrations.RemoveField(
            model_name="impactassessment",
            name="previous",
        ),
        migrations.AlterField(
            model_name="impactassessment",
            name="series",
            field=models.UUIDField(
                db_index=True,
                default=uuid.uuid4,
                editable=False,
                help_text="Shared by every version of one assessment.",
                verbose_name="series",
            ),
        ),
        migrations.AlterField(
            model_name="impactassessment",
            name="number",
            field=models.PositiveIntegerField(default=1, editable=False, verbose_name="version"),
        ),
        migrations.AlterField(
            model_name="impactassessment",
            name="status",
            field=models.CharField(
                choices=[
                    ("draft", "Draft"),
                    ("in_review", "In review"),
                    ("approved", "Approved"),
                    ("superseded", "Superseded"),
                ],
                db_index=True,
                default="draft",
                max_length=20,
                verbose_name="status",
            ),
        ),
        migrations.AddConstraint(
            model_name="impactassessment",
            constraint=models.UniqueConstraint(
                fields=("series", "number"), name="impact_impactassessment_unique_version"
            ),
        ),
        migrations.AddConstraint(
            model_name="impactassessment",
            constraint=models.UniqueConstraint(
                condition=models.Q(("status", "approved")),
                fields=("series",),
                name="impact_impactassessment_one_approved",
            ),
        ),
        migrations.AddConstraint(
            model_name="impactassessment",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    models.Q(("status__in", ("approved", "superseded")), _negated=True),
                    models.Q(("approved_at__isnull", False), ("approved_by__isnull", False)),
                    _connector="OR",
                ),
                name="impact_impactassessment_approval_recorded",
            ),
        ),
    ]
