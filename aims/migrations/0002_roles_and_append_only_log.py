"""The six roles as groups, and a database guard that keeps the change log append-only."""

from django.db import migrations

ROLES = [
    "governance_officer",
    "top_management",
    "operational_member",
    "internal_auditor",
    "external_auditor",
    "viewer",
]


def create_roles(apps, schema_editor):
    Group = apps.get_model("auth", "Group")
    for name in ROLES:
        Group.objects.get_or_create(name=name)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=ROLES).delete()


APPEND_ONLY = """
CREATE OR REPLACE FUNCTION aims_changerecord_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'aims_changerecord is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER aims_changerecord_no_update_delete
    BEFORE UPDATE OR DELETE ON aims_changerecord
    FOR EACH ROW EXECUTE FUNCTION aims_changerecord_append_only();
"""

DROP_APPEND_ONLY = """
DROP TRIGGER IF EXISTS aims_changerecord_no_update_delete ON aims_changerecord;
DROP FUNCTION IF EXISTS aims_changerecord_append_only();
"""


class Migration(migrations.Migration):
    dependencies = [
        ("aims", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
    ]

    operations = [
        migrations.RunPython(create_roles, remove_roles),
        migrations.RunSQL(APPEND_ONLY, DROP_APPEND_ONLY),
    ]
