"""Anchoring the change log outside the database: each record's HMAC (keyed with a secret the
database does not hold), and a trigger that refuses TRUNCATE as the existing one refuses UPDATE
and DELETE.

Records written before this migration keep an empty HMAC: a migration cannot know the key of
every deployment. ``manage.py anchor_change_log`` gives them one, once, after checking the
chain; it is the one UPDATE the trigger lets through (an empty HMAC set, nothing else changed).
"""

from django.db import migrations, models

APPEND_ONLY = """
CREATE OR REPLACE FUNCTION aims_changerecord_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.record_hmac = '' AND NEW.record_hmac <> ''
           AND (to_jsonb(NEW) - 'record_hmac') = (to_jsonb(OLD) - 'record_hmac') THEN
            RETURN NEW;
        END IF;
    END IF;
    RAISE EXCEPTION 'aims_changerecord is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;

CREATE TRIGGER aims_changerecord_no_truncate
    BEFORE TRUNCATE ON aims_changerecord
    FOR EACH STATEMENT EXECUTE FUNCTION aims_changerecord_append_only();
"""

# Back to the function of 0002 (it refuses every UPDATE and DELETE), without the TRUNCATE guard.
PREVIOUS = """
DROP TRIGGER IF EXISTS aims_changerecord_no_truncate ON aims_changerecord;

CREATE OR REPLACE FUNCTION aims_changerecord_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'aims_changerecord is append-only: % refused', TG_OP;
END;
$$ LANGUAGE plpgsql;
"""


class Migration(migrations.Migration):
    dependencies = [
        ("aims", "0015_report_job_enqueued_at"),
    ]

    operations = [
        migrations.AddField(
            model_name="changerecord",
            name="record_hmac",
            field=models.CharField(
                blank=True,
                default="",
                help_text=(
                    "HMAC-SHA256 of the hash, keyed with a secret kept outside the database. "
                    "Empty on records written before HMACs were introduced, until "
                    "anchor_change_log gives them one."
                ),
                max_length=64,
                verbose_name="HMAC",
            ),
            preserve_default=False,
        ),
        migrations.RunSQL(APPEND_ONLY, PREVIOUS),
    ]
