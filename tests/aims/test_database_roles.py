"""The application's database role of the compose file (deploy/postgres/10-app-role.sh), made
on the test's PostgreSQL: it reads and writes rows, but cannot turn the change log's triggers
off, disable them, or empty the table, as the test's superuser role can."""

from __future__ import annotations

import os
import secrets
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import psycopg2
import pytest
from django.conf import settings
from django.core.management import call_command
from django.db import connection
from psycopg2 import errors

from aims.changelog import change_record, verify_chain
from aims.choices import Action
from aims.models import ChangeRecord, Organization

ROOT = Path(__file__).resolve().parents[2]
SCRIPT = ROOT / "deploy" / "postgres" / "10-app-role.sh"


@pytest.fixture
def app_role(transactional_db):
    """Run the init script as the postgres image would, for a role of this test only (roles
    belong to the whole server), and drop the role afterwards."""
    database = settings.DATABASES["default"]
    role = f"aims_app_test_{secrets.token_hex(4)}"
    password = secrets.token_hex(16)
    env = {
        "PATH": os.environ["PATH"],
        "PGHOST": database["HOST"] or "",
        "PGPORT": database["PORT"] or "",
        "PGPASSWORD": database["PASSWORD"] or "",
        "POSTGRES_USER": database["USER"],
        "POSTGRES_DB": database["NAME"],
        "AIMS_APP_DB_ROLE": role,
        "AIMS_APP_DB_PASSWORD": password,
    }
    try:
        for _run in range(2):  # a second run (by hand, on an old volume) must work too
            result = subprocess.run(
                ["sh", str(SCRIPT)], env=env, capture_output=True, text=True, timeout=60
            )
            assert result.returncode == 0, result.stderr
        yield role, password
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1 FROM pg_roles WHERE rolname = %s", [role])
            if cursor.fetchone():
                cursor.execute(f'DROP OWNED BY "{role}"')
                cursor.execute(f'DROP ROLE "{role}"')


@contextmanager
def _connected(role: str, password: str) -> Iterator[Any]:
    database = settings.DATABASES["default"]
    conn = psycopg2.connect(
        dbname=database["NAME"],
        user=role,
        password=password,
        host=database["HOST"] or None,
        port=database["PORT"] or None,
    )
    try:
        yield conn
    finally:
        conn.close()


@contextmanager
def _application_as(role: str, password: str) -> Iterator[None]:
    """The application's own database connection, logged in as ``role``."""
    saved = dict(connection.settings_dict)
    connection.close()
    connection.settings_dict.update(USER=role, PASSWORD=password)
    try:
        yield
    finally:
        connection.close()
        connection.settings_dict.update(USER=saved["USER"], PASSWORD=saved["PASSWORD"])


def test_the_app_role_cannot_turn_off_or_empty_the_change_log(app_role):
    role, password = app_role
    org = Organization.objects.create(name="Acme")
    record = change_record(actor=None, action=Action.CREATE, obj=org)
    refused = [
        ("SET session_replication_role = replica", errors.InsufficientPrivilege),
        ("ALTER TABLE aims_changerecord DISABLE TRIGGER ALL", errors.InsufficientPrivilege),
        (
            "DROP TRIGGER aims_changerecord_no_truncate ON aims_changerecord",
            errors.InsufficientPrivilege,
        ),
        ("TRUNCATE aims_changerecord", errors.InsufficientPrivilege),
        ("DELETE FROM aims_changerecord", errors.RaiseException),
        ("UPDATE aims_changerecord SET object_repr = 'x'", errors.RaiseException),
    ]
    with _connected(role, password) as conn:
        for sql, error in refused:
            with conn.cursor() as cursor, pytest.raises(error):
                cursor.execute(sql)
            conn.rollback()
        with conn.cursor() as cursor:
            cursor.execute(
                "SELECT rolsuper, rolcreaterole, rolbypassrls FROM pg_roles "
                "WHERE rolname = current_user"
            )
            assert cursor.fetchone() == (False, False, False)
    assert list(ChangeRecord.objects.values_list("record_hash", flat=True)) == [record.record_hash]


def test_the_application_works_as_the_app_role(app_role):
    """What the application does at run time (rows, sequences, the change log's advisory lock
    and its HMAC, verification) needs nothing the role lacks."""
    Organization.objects.create(name="Acme")
    with _application_as(*app_role):
        with connection.cursor() as cursor:
            cursor.execute("SELECT current_user")
            assert cursor.fetchone()[0] == app_role[0]
        org = Organization.objects.get(name="Acme")
        org.name = "Acme 2"
        org.save()
        record = change_record(actor=None, action=Action.UPDATE, obj=org)
        assert record.has_valid_hmac()
        assert verify_chain() == (1, None)
        call_command("anchor_change_log")
        call_command("verify_change_log")
