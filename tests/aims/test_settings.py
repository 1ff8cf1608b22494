"""Settings: typed, fail-loud, and secure in production (``check --deploy`` is clean)."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ImproperlyConfigured

from aims.env import Env, database_from_url, read_env_file

ROOT = Path(__file__).resolve().parents[2]


def run_manage(args: list[str], env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    base = {
        key: value
        for key, value in os.environ.items()
        if key
        not in {
            "DATABASE_URL",
            "REDIS_URL",
            "AIMS_MODE",
            "SECRET_KEY",
            "ALLOWED_HOSTS",
            "DEMO_PASSWORD",
            "DEBUG",
            "CHANGE_LOG_HMAC_KEY",
            "CHANGE_LOG_HMAC_KEY_FILE",
            "CHANGE_LOG_ANCHOR_DIR",
        }
    }
    # An empty var dir: no dev.env, so nothing but what the test passes is configured.
    base["AIMS_VAR_DIR"] = str(tmp_path)
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env={**base, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


PRODUCTION = {
    "AIMS_MODE": "production",
    "SECRET_KEY": secrets.token_urlsafe(64),
    "ALLOWED_HOSTS": "aims.example.com",
    "DATABASE_URL": "postgres://aims:pw@db.example.com:5432/aims",
    "REDIS_URL": "redis://redis.example.com:6379/0",
    "CHANGE_LOG_HMAC_KEY": secrets.token_urlsafe(48),
    "CHANGE_LOG_ANCHOR_DIR": "/srv/aims/change-log-anchors",
}


def test_check_deploy_is_clean_in_production(tmp_path):
    result = run_manage(["check", "--deploy", "--fail-level", "WARNING"], PRODUCTION, tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


@pytest.mark.parametrize(
    "missing",
    [
        "SECRET_KEY",
        "ALLOWED_HOSTS",
        "DATABASE_URL",
        "REDIS_URL",
        "CHANGE_LOG_HMAC_KEY",
        "CHANGE_LOG_ANCHOR_DIR",
    ],
)
def test_production_requires(tmp_path, missing):
    env = {key: value for key, value in PRODUCTION.items() if key != missing}
    result = run_manage(["check"], env, tmp_path)
    assert result.returncode != 0
    assert f"{missing} is required" in result.stderr


def test_production_is_the_default_mode(tmp_path):
    env = {key: value for key, value in PRODUCTION.items() if key != "AIMS_MODE"}
    del env["SECRET_KEY"]
    result = run_manage(["check"], env, tmp_path)
    assert "SECRET_KEY is required" in result.stderr


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("SECRET_KEY", "short", "at least 50"),
        ("DEBUG", "true", "DEBUG cannot be on"),
        ("DEBUG", "perhaps", "must be a boolean"),
        ("DATABASE_URL", "sqlite:///db.sqlite3", "must be a PostgreSQL URL"),
        ("AIMS_MODE", "staging", "must be one of"),
        ("CHANGE_LOG_HMAC_KEY", "short", "at least 32 random characters"),
    ],
)
def test_bad_values_fail_loudly(tmp_path, name, value, message):
    result = run_manage(["check"], {**PRODUCTION, name: value}, tmp_path)
    assert result.returncode != 0
    assert message in result.stderr
    assert "Traceback" in result.stderr or "ImproperlyConfigured" in result.stderr


def _change_log_settings(env: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess:
    script = (
        "import django; django.setup(); from django.conf import settings as s; "
        "print(s.CHANGE_LOG_HMAC_KEY, s.CHANGE_LOG_ANCHOR_DIR, "
        "s.CELERY_BEAT_SCHEDULE['export-change-log-anchor']['schedule'])"
    )
    base = {key: value for key, value in PRODUCTION.items() if not key.startswith("CHANGE_LOG")}
    return subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            "PATH": os.environ["PATH"],
            **base,
            **env,
            "AIMS_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "aims.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_change_log_key_from_a_file(tmp_path):
    """The HMAC key can come from a file (a Docker secret), never from the database."""
    key_file = tmp_path / "change-log-key"
    key = secrets.token_urlsafe(48)
    key_file.write_text(key + "\n", encoding="utf-8")
    env = {"CHANGE_LOG_HMAC_KEY_FILE": str(key_file), "CHANGE_LOG_ANCHOR_DIR": "/anchors"}
    result = _change_log_settings({**env, "CHANGE_LOG_ANCHOR_MINUTES": "5"}, tmp_path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [key, "/anchors", "300.0"]
    both = _change_log_settings({**env, "CHANGE_LOG_HMAC_KEY": key}, tmp_path)
    assert "Set CHANGE_LOG_HMAC_KEY or CHANGE_LOG_HMAC_KEY_FILE, not both" in both.stderr
    same = _change_log_settings(
        {"CHANGE_LOG_HMAC_KEY": PRODUCTION["SECRET_KEY"], "CHANGE_LOG_ANCHOR_DIR": "/a"}, tmp_path
    )
    assert "CHANGE_LOG_HMAC_KEY must differ from SECRET_KEY" in same.stderr
    unreadable = _change_log_settings(
        {"CHANGE_LOG_HMAC_KEY_FILE": str(tmp_path / "absent"), "CHANGE_LOG_ANCHOR_DIR": "/a"},
        tmp_path,
    )
    assert f"CHANGE_LOG_HMAC_KEY_FILE '{tmp_path / 'absent'}' cannot be read" in unreadable.stderr


def test_development_has_a_change_log_key_of_its_own_checkout(tmp_path):
    """Without a key in development: one derived from the checkout's random SECRET_KEY, so two
    checkouts never share it; production has no such default (see test_production_requires)."""
    keys = []
    for secret in ("a" * 60, "b" * 60):
        result = _change_log_settings(
            {"AIMS_MODE": "development", "SECRET_KEY": secret, "DATABASE_URL": "postgres://x/y"},
            tmp_path,
        )
        assert result.returncode == 0, result.stderr
        keys.append(result.stdout.split()[0])
    assert keys[0] != keys[1]
    assert all(len(key) >= 32 and "a" * 60 not in key for key in keys)


def test_production_settings_are_secure(tmp_path):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps([s.SESSION_COOKIE_SECURE, s.CSRF_COOKIE_SECURE, s.SECURE_HSTS_SECONDS, "
        "s.SECURE_SSL_REDIRECT, s.DEBUG, 'script-src \\'self\\'' in s.CONTENT_SECURITY_POLICY]))"
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env={
            **os.environ,
            **PRODUCTION,
            "AIMS_VAR_DIR": str(tmp_path),
            "DJANGO_SETTINGS_MODULE": "aims.settings",
        },
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[true, true, 31536000, true, false, true]"


class TestEnv:
    def test_typed_values(self):
        env = Env({"A": "yes", "N": "42", "L": "a, b,,c", "S": "x"})
        assert env.bool("A") is True
        assert env.int("N", 0) == 42
        assert env.list("L") == ["a", "b", "c"]
        assert env.str("S") == "x"
        assert env.bool("MISSING", default=False) is False

    @pytest.mark.parametrize(
        ("call", "message"),
        [
            (lambda e: e.bool("B"), "must be a boolean"),
            (lambda e: e.int("I", 1), "must be an integer"),
            (lambda e: e.int("NEG", 1, minimum=0), "must be ≥ 0"),
            (lambda e: e.str("NOPE", required=True), "NOPE is required"),
            (lambda e: e.choice("C", ("a", "b"), "a"), "must be one of"),
        ],
    )
    def test_malformed_values_raise(self, call, message):
        env = Env({"B": "maybe", "I": "eighty", "NEG": "-1", "C": "z"})
        with pytest.raises(ImproperlyConfigured, match=message):
            call(env)

    def test_database_url(self):
        db = database_from_url("postgres://u:p%40ss@h:5433/name?sslmode=require")
        assert (db["USER"], db["PASSWORD"], db["HOST"], db["PORT"], db["NAME"]) == (
            "u",
            "p@ss",
            "h",
            "5433",
            "name",
        )
        assert db["OPTIONS"] == {"sslmode": "require"}
        socket = database_from_url("postgres://postgres@/aims?host=/var/run/pg")
        assert socket["HOST"] == "/var/run/pg"
        with pytest.raises(ImproperlyConfigured, match="must name a database"):
            database_from_url("postgres://h:5432/")

    def test_env_file(self, tmp_path):
        path = tmp_path / "dev.env"
        path.write_text("# comment\nA=1\nB='two'\n\n")
        assert read_env_file(path) == {"A": "1", "B": "two"}
        path.write_text("no equals sign\n")
        with pytest.raises(ImproperlyConfigured, match="expected KEY=value"):
            read_env_file(path)


@pytest.mark.django_db
def test_connections_turn_postgresql_jit_off():
    """A page's short queries are not JIT-compiled (it cost a list query 108 of its 128 ms at
    benchmark scale)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW jit")
        assert cursor.fetchone() == ("off",)


@pytest.mark.parametrize(("value", "expected"), [("", "-c jit=off"), ("true", None)])
def test_database_jit_setting(tmp_path, value, expected):
    script = (
        "import django, json; django.setup(); from django.conf import settings as s; "
        "print(json.dumps(s.DATABASES['default']['OPTIONS'].get('options')))"
    )
    env = {
        **os.environ,
        "AIMS_VAR_DIR": str(tmp_path),
        "DJANGO_SETTINGS_MODULE": "aims.settings",
        "AIMS_MODE": "development",
        "DATABASE_URL": "postgres://x@127.0.0.1/y",
    }
    env.pop("DATABASE_JIT", None)
    if value:
        env["DATABASE_JIT"] = value
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == ("null" if expected is None else f'"{expected}"')
