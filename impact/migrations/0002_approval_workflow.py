"""Impact assessments move onto the core's approval workflow (``aims.models.approval``).

Versions were a linked list (``previous``); they become a series: every version of one
assessment shares a ``series`` key and keeps its number. Every existing row, approval and
change record stays as it is (the change log is not touched: records refer to the same rows).
"""

import uuid

from django.db import migrations, models


def link_series(apps, schema_editor):
    """Give each chain of versions (first version and every version that follows it) one
    series key."""
    ImpactAssessment = apps.get_model("impact", "ImpactAssessment")
    following = dict(
        ImpactAssessment.objects.filter(previous__isnull=False).values_list("previous_id", "pk")
    )
    for first in ImpactAssessment.objects.filter(previous__isnull=True).values_list(
        "pk", flat=True
    ):
        key, node = uuid.uuid4(), first
        while node is not None:
            ImpactAssessment.objects.filter(pk=node).update(series=key)
            node = following.get(node)


def unlink_series(apps, schema_editor):
    """Back to the linked list: each version points at the one numbered before it."""
    ImpactAssessment = apps.get_model("impact", "ImpactAssessment")
    rows = ImpactAssessment.objects.order_by("series", "number").values_list(
        "pk", "series", "number"
    )
    before = None
    for pk, series, _number in rows:
        if before is not None and before[1] == series:
            ImpactAssessment.objects.filter(pk=pk).update(previous_id=before[0])
        before = (pk, series)


class Migration(migrations.Migration):
    dependencies = [
        ("impact", "0001_initial"),
    ]

    operations = [
        migrations.AddField(
            model_name="impactassessment",
            name="series",
            field=models.UUIDField(null=True, editable=False, verbose_name="series"),
        ),
        migrations.RunPython(link_series, unlink_series),
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
