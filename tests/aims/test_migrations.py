"""Migrations an installation can take without stopping its writes: an index added to a table
that already holds rows is built concurrently (a plain ``CREATE INDEX`` blocks every insert
into the table until it is built, minutes on a change log of millions of records)."""

from __future__ import annotations

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations
from django.db.migrations.loader import MigrationLoader

#: Migrations written before this rule, each adding an index to a table of modest size (they
#: have run on installations already), and the kept risk counts', whose triggers and first
#: count hold the risk table's writes in one transaction anyway, to stay exact.
EARLIER = {
    ("risk", "0009_kept_counts"),
    ("aims", "0003_reference_library"),
    ("aims", "0015_report_job_enqueued_at"),
    ("audit", "0002_list_orderings"),
    ("controls", "0002_evidence_awaiting_review"),
    ("controls", "0003_version_period_index"),
    ("impact", "0006_list_order_index"),
}
PROJECT_APPS = {"aims", "audit", "controls", "impact", "risk"}


def _blocking_index_additions() -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = []
    for (app, name), migration in sorted(loader.disk_migrations.items()):
        if app not in PROJECT_APPS or (app, name) in EARLIER:
            continue
        created = {
            operation.name_lower
            for operation in migration.operations
            if isinstance(operation, migrations.CreateModel)
        }
        for operation in migration.operations:
            if (
                isinstance(operation, migrations.AddIndex)
                and not isinstance(operation, AddIndexConcurrently)
                and operation.model_name_lower not in created
            ):
                found.append(f"{app}.{name}: {operation.index.name}")
    return found


def test_an_index_on_an_existing_table_is_built_without_blocking_writes():
    assert _blocking_index_additions() == []


def test_a_migration_building_indexes_concurrently_runs_outside_a_transaction():
    loader = MigrationLoader(None, ignore_no_migrations=True)
    concurrent = [
        (app, name)
        for (app, name), migration in loader.disk_migrations.items()
        if any(isinstance(op, AddIndexConcurrently) for op in migration.operations)
    ]
    assert concurrent, "the list-order index migrations build their indexes concurrently"
    for app, name in concurrent:
        assert loader.disk_migrations[app, name].atomic is False, f"{app}.{name}"
