"""Personas and clients shared by every test.

The personas are the six roles of DESIGN §5 plus anonymous: ``officer``, ``executive``,
``operator``, ``auditor``, ``external_auditor``, ``viewer``. ``persona_user(role)`` makes one.
"""

from __future__ import annotations

import uuid

import pytest
from django.db.backends.postgresql.operations import DatabaseOperations
from django.test import Client
from django.utils import translation
from rest_framework.test import APIClient

from aims import embedded
from aims.choices import Role
from tests.factories import PASSWORD, UserFactory

PERSONAS: dict[str, str | None] = {
    "officer": Role.GOVERNANCE_OFFICER,
    "executive": Role.TOP_MANAGEMENT,
    "operator": Role.OPERATIONAL_MEMBER,
    "auditor": Role.INTERNAL_AUDITOR,
    "external_auditor": Role.EXTERNAL_AUDITOR,
    "viewer": Role.VIEWER,
    "anonymous": None,
}


def pytest_configure(config: pytest.Config) -> None:
    # Without DATABASE_URL / REDIS_URL, the embedded servers: before pytest-django creates the
    # test database on them.
    embedded.start()


@pytest.fixture(autouse=True)
def _isolated_cache(settings):
    """Each test gets its own cache namespace (login throttling counts live in the database,
    rolled back with each test)."""
    caches = {key: dict(value) for key, value in settings.CACHES.items()}
    caches["default"]["KEY_PREFIX"] = f"aims-test-{uuid.uuid4().hex[:12]}"
    settings.CACHES = caches


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    # PBKDF2 at production strength would dominate the suite's run time.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _english_outside_requests():
    """Services called directly by a test speak English; requests still pick their language
    through the middleware (Japanese by default), as in production."""
    with translation.override("en"):
        yield


@pytest.fixture(autouse=True)
def _media_in_tmp(settings, tmp_path):
    # Uploaded files of a test never land in the checkout's var/media.
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _change_log_anchors_in_tmp(settings, tmp_path):
    # The checkout's var/ anchors describe the development database, not the test database.
    settings.CHANGE_LOG_ANCHOR_DIR = tmp_path / "change-log-anchors"


@pytest.fixture(scope="session", autouse=True)
def _flush_past_the_truncate_guard():
    """Transactional tests end with a flush, a TRUNCATE of every table, which the change log's
    trigger refuses. The test database's role is a superuser: it flushes with triggers off, as
    only a database administrator could (the application's role cannot, see docker-compose)."""
    original = DatabaseOperations.execute_sql_flush

    def execute_sql_flush(self, sql_list):
        return original(
            self,
            [
                "SET LOCAL session_replication_role = replica",
                *sql_list,
                "SET LOCAL session_replication_role = origin",
            ],
        )

    DatabaseOperations.execute_sql_flush = execute_sql_flush
    yield
    DatabaseOperations.execute_sql_flush = original


@pytest.fixture(autouse=True)
def _plain_static(settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }


@pytest.fixture
def make_user(db):
    def make(role: str | None = None, **kwargs):
        return UserFactory(roles=[role] if role else [], **kwargs)

    return make


@pytest.fixture
def officer(make_user):
    return make_user(Role.GOVERNANCE_OFFICER, username="t_officer")


@pytest.fixture
def executive(make_user):
    return make_user(Role.TOP_MANAGEMENT, username="t_executive")


@pytest.fixture
def operator(make_user):
    return make_user(Role.OPERATIONAL_MEMBER, username="t_operator")


@pytest.fixture
def auditor(make_user):
    return make_user(Role.INTERNAL_AUDITOR, username="t_auditor")


@pytest.fixture
def external_auditor(make_user):
    return make_user(Role.EXTERNAL_AUDITOR, username="t_external_auditor")


@pytest.fixture
def viewer(make_user):
    return make_user(Role.VIEWER, username="t_viewer")


@pytest.fixture
def anonymous():
    return None


@pytest.fixture
def password():
    return PASSWORD


def logged_in_client(user) -> Client:
    client = Client()
    if user is not None:
        client.force_login(user)
    return client


def logged_in_api_client(user) -> APIClient:
    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


@pytest.fixture
def client_for():
    return logged_in_client


@pytest.fixture
def api_client_for():
    return logged_in_api_client
