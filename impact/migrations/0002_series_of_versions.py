"""Impact assessments move onto the core's approval workflow (``aims.models.approval``), step
1: the series key, filled in from the linked list (step 2, the next migration, changes the
schema; apart, so that PostgreSQL has no pending row events when the table is altered).

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
    # Check the links now, so that no deferred check is pending when the column is dropped.
    schema_editor.execute("SET CONSTRAINTS ALL IMMEDIATE")
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
    ]
