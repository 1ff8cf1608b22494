"""One reusable test class for the endpoints of the API (STYLE: "Tests of the same shape are
data").

Modelled on NetBox's ``APIViewTestCases.APIViewTestCase``: each endpoint has a subclass that is
mostly data, and inherits the tests every endpoint owes, for its personas (tests/conftest.py)::

    class TestRisks(APIViewTestCase):
        basename = "risk"                     # api:risk-list, api:risk-detail
        model = Risk
        factory = RiskFactory                 # makes one object the reader sees
        fields = ("id", "title", "inherent_level")
        update_data = {"title": "Renamed"}
        bad_create_data = [("inherent_impact", {…, "inherent_impact": 9})]

        @staticmethod
        def create_data(officer):  # parameters name the fixtures it receives
            return [{"title": "…", "ai_systems": [AISystemFactory().pk], "owner": officer.pk}]

        @staticmethod
        def of_system(system):
            return RiskFactory(ai_systems=[system])

Values that need objects (``factory``, ``create_data``, ``update_data``, ``bad_create_data``,
``bad_update_data``) may be callables (static methods); their parameters name the fixtures
they receive. Tests that do not apply to an endpoint (no delete, no scope by AI system, …) are
not generated for it: its flags say what it offers, and where it does not offer a write, the
inherited test checks that the write is refused with 405. A subclass that sets an inherited
test to ``None`` leaves it out; that is only for a case failing on a known bug of the
application, said where it is done.

The inherited tests:

* reading: list and detail for ``reader``, each object carrying ``fields``; the list runs the
  same number of queries for 1 row and for 20; anonymous requests are 401 (writes included).
* writing, by ``writer`` (the governance officer unless said otherwise): create makes one row
  and exactly one ``create`` change record of it (by the writer, from the API, holding the row
  as created); update writes one ``update`` record (before and after); delete, where offered,
  one ``delete`` (``delete_action``) record; bad input is 400 in the project's error shape
  naming the field, and changes nothing, change log included; every persona of
  ``not_writers`` gets 403 on each write and changes nothing; so does a read-only API token.
* scope, for an operational member (``scope_persona``): an object of an AI system not granted
  to them is 404 on detail (and on writes) and absent from the list, while the object of a
  granted one is listed, in a constant number of queries (``of_system``); another user's
  object is 404 (``of_user``); organisation-wide records are visible (neither).
"""

from __future__ import annotations

import inspect
from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework import renderers
from rest_framework.test import APIClient

from aims.changelog import snapshot
from aims.choices import Action, ChangeSource, TokenScope
from aims.models import ChangeRecord
from aims.roles import user_roles
from aims.services.accounts import token_create
from tests.conftest import logged_in_api_client
from tests.factories import AISystemFactory, UserFactory

#: test name → the condition (on the subclass) under which it is generated.
APPLIES: dict[str, Callable[[Any], bool]] = {
    "test_create": lambda c: c.can_create,
    "test_bad_create_is_400_and_changes_nothing": lambda c: c.can_create and c.bad_create_data,
    "test_create_without_permission_is_403": lambda c: c.can_create and c.not_writers,
    "test_create_is_not_offered": lambda c: not c.can_create,
    "test_update": lambda c: c.can_update,
    "test_bad_update_is_400_and_changes_nothing": lambda c: c.can_update and c.bad_update_data,
    "test_update_without_permission_is_403": lambda c: c.can_update and c.not_writers,
    "test_update_is_not_offered": lambda c: not c.can_update,
    "test_delete": lambda c: c.can_delete,
    "test_delete_without_permission_is_403": lambda c: c.can_delete and c.not_writers,
    "test_delete_is_not_offered": lambda c: not c.can_delete,
    "test_a_read_only_token_cannot_write": lambda c: c.can_create or c.can_update or c.can_delete,
    "test_an_object_of_an_ungranted_system_is_404": lambda c: c.of_system is not None,
    "test_list_queries_for_an_operational_member": lambda c: c.of_system is not None,
    "test_another_users_object_is_404": lambda c: c.of_user is not None,
    "test_an_operational_member_sees_organisation_records": (
        lambda c: c.of_system is None and c.of_user is None
    ),
}


def assert_error(response: Any, status: int, field: str | None = None) -> dict[str, Any]:
    """``response`` is ``status`` in the project's error shape (naming ``field`` if given)."""
    assert response.status_code == status, (response.status_code, response.content[:500])
    error = response.json()["error"]
    assert error["status"] == status and error["code"] and error["message"], error
    if field is not None:
        assert error["code"] == "invalid", error
        assert field in error["fields"], (field, error)
    return error


def last_record_id() -> int:
    return ChangeRecord.objects.order_by("-id").values_list("id", flat=True).first() or 0


def records_since(mark: int, obj: Model | None = None, model: type[Model] | None = None) -> Any:
    """Change records written after ``mark``, of ``obj`` (or of any row of ``model``)."""
    records = ChangeRecord.objects.filter(id__gt=mark).order_by("id")
    if obj is not None:
        model, records = type(obj), records.filter(object_id=str(obj.pk))
    if model is not None:
        records = records.filter(content_type=ContentType.objects.get_for_model(model))
    return records


def _plain(value: Any) -> Any:
    """Flat lists compared as sets of values (many-to-many ids come back in any order)."""
    if isinstance(value, list) and all(not isinstance(v, dict | list) for v in value):
        return sorted(value, key=str)
    return value


class APIViewTestCase:
    """The tests every endpoint owes; subclasses hold the data (see the module docstring)."""

    # What the endpoint is.
    basename: ClassVar[str] = ""
    model: ClassVar[type[Model] | None] = None
    factory: ClassVar[Any] = None
    fields: ClassVar[tuple[str, ...]] = ("id",)

    # What it offers.
    can_create: ClassVar[bool] = True
    can_update: ClassVar[bool] = True
    can_delete: ClassVar[bool] = False
    create_status: ClassVar[int] = 201
    #: Whether its writes are recorded in the change log (governed records).
    logged: ClassVar[bool] = True
    delete_action: ClassVar[str] = Action.DELETE

    # Payloads: values, or callables taking fixtures by name.
    create_data: ClassVar[Any] = ()
    update_data: ClassVar[Any] = None
    #: ``(field, payload)`` pairs: each is refused with 400 naming ``field``.
    bad_create_data: ClassVar[Any] = ()
    bad_update_data: ClassVar[Any] = ()
    #: Keys of a payload the response shows in another form (not compared).
    unchecked_fields: ClassVar[tuple[str, ...]] = ()

    # Who (fixture names of tests/conftest.py).
    reader: ClassVar[str] = "viewer"
    writer: ClassVar[str] = "officer"
    not_writers: ClassVar[tuple[str, ...]] = ("executive", "auditor", "external_auditor", "viewer")

    # Scope: ``of_system(system)`` makes an object of one AI system; ``of_user(user)`` one
    # belonging to one user. Neither: the records are organisation-wide.
    of_system: ClassVar[Callable[[Any], Model] | None] = None
    of_user: ClassVar[Callable[[Any], Model] | None] = None
    scope_persona: ClassVar[str] = "operator"

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not (cls.basename and cls.model and cls.factory):
            raise TypeError(f"{cls.__name__} needs basename, model and factory")
        if cls.can_create and not cls.create_data:
            raise TypeError(f"{cls.__name__} creates: give create_data")
        if cls.can_update and not cls.update_data:
            raise TypeError(f"{cls.__name__} updates: give update_data")
        for name, applies in APPLIES.items():
            setattr(cls, name, getattr(APIViewTestCase, name) if applies(cls) else None)

    def pytest_generate_tests(self, metafunc: Any) -> None:
        if "denied_persona" in metafunc.fixturenames:
            metafunc.parametrize("denied_persona", self.not_writers)

    @pytest.fixture(autouse=True)
    def _db(self, db: Any) -> None:
        """Every test of an endpoint uses the database."""

    # --- Helpers -------------------------------------------------------------------------------
    def _with_fixtures(self, request: Any, name: str) -> Any:
        value = getattr(type(self), name)  # through the class: a lambda stays a plain function
        if callable(value) and not inspect.isclass(value):
            parameters = inspect.signature(value).parameters
            return value(**{p: request.getfixturevalue(p) for p in parameters})
        if inspect.isclass(value):
            return value()
        return value

    def make(self, request: Any) -> Model:
        return self._with_fixtures(request, "factory")

    def payloads(self, request: Any, name: str) -> list[Any]:
        return list(self._with_fixtures(request, name))

    def persona(self, request: Any, name: str) -> Any:
        return request.getfixturevalue(name)

    def client(self, request: Any, name: str) -> APIClient:
        return logged_in_api_client(self.persona(request, name))

    def list_url(self) -> str:
        return reverse(f"api:{self.basename}-list")

    def detail_url(self, obj: Model) -> str:
        return reverse(f"api:{self.basename}-detail", args=[obj.pk])

    def listed_ids(self, client: APIClient) -> list[Any]:
        response = client.get(self.list_url(), {"page_size": 500})
        assert response.status_code == 200, response.content[:500]
        return [row["id"] for row in response.json()["results"]]

    def row(self, pk: Any) -> tuple[dict[str, Any], dict[str, Any] | None] | None:
        """The stored state of a row, or None: every column, and for a governed record its
        snapshot as the change log holds it (with its many-to-many links)."""
        assert self.model is not None
        obj = self.model._default_manager.filter(pk=pk).first()
        if obj is None:
            return None
        columns = self.model._default_manager.filter(pk=pk).values().get()
        return columns, snapshot(obj) if self.logged else None

    def table(self) -> set[Any]:
        assert self.model is not None
        return set(self.model._default_manager.values_list("pk", flat=True))

    def assert_carries_fields(self, body: dict[str, Any]) -> None:
        missing = set(self.fields) - set(body)
        assert not missing, f"{self.basename}: response lacks {sorted(missing)}"

    def assert_matches(self, payload: dict[str, Any], body: dict[str, Any]) -> None:
        """The response shows what was sent (fields the response carries)."""
        for key, sent in payload.items():
            if key in self.unchecked_fields or key not in body:
                continue
            assert _plain(body[key]) == _plain(sent), (key, body[key], sent)

    def assert_deleted(self, pk: Any) -> None:
        assert self.row(pk) is None, "the row is still there"

    def assert_one_record(
        self, mark: int, obj: Model, action: str, actor: Any, response: Any
    ) -> ChangeRecord:
        """Exactly one change record of ``obj`` since ``mark``: ``action`` by ``actor``,
        written by the request that made ``response``."""
        records = list(records_since(mark, obj))
        assert [(r.action, r.actor_id) for r in records] == [(action, actor.pk)], records
        record = records[0]
        assert record.source == ChangeSource.API
        assert record.correlation_id == response["X-Request-ID"]
        return record

    def _count_queries(self, client: APIClient) -> tuple[int, int]:
        with CaptureQueriesContext(connection) as queries:
            response = client.get(self.list_url())
        assert response.status_code == 200, response.content[:500]
        body = response.json()
        assert len(body["results"]) == min(body["count"], 50)
        return len(queries), body["count"]

    def _assert_constant_queries(self, client: APIClient, make_one: Callable[[], Any]) -> None:
        make_one()
        client.get(self.list_url())  # warm what is cached per process (content types, …)
        with_one, count_one = self._count_queries(client)
        for _ in range(19):
            make_one()
        with_twenty, count_twenty = self._count_queries(client)
        assert count_twenty - count_one >= 19, "the 19 new objects are not all listed"
        assert with_twenty == with_one, (
            f"{self.basename}: {with_one} queries for {count_one} row(s), "
            f"{with_twenty} for {count_twenty}"
        )

    def _writes_refused(
        self, request: Any, client: APIClient, status: int, obj: Model | None = None
    ) -> None:
        """Every write the endpoint offers is ``status`` for ``client``; nothing changes."""
        create = self.payloads(request, "create_data")[0] if self.can_create else None
        update = self._with_fixtures(request, "update_data") if self.can_update else None
        obj = obj if obj is not None else self.make(request)
        rows, before, mark = self.table(), self.row(obj.pk), last_record_id()
        if self.can_create:
            assert_error(client.post(self.list_url(), create, format="json"), status)
        if self.can_update:
            assert_error(client.patch(self.detail_url(obj), update, format="json"), status)
        if self.can_delete:
            assert_error(client.delete(self.detail_url(obj)), status)
        assert self.table() == rows
        assert self.row(obj.pk) == before
        assert not records_since(mark).exists()

    # --- Reading -------------------------------------------------------------------------------
    def test_list_for_a_reader(self, request: Any) -> None:
        obj = self.make(request)
        response = self.client(request, self.reader).get(self.list_url(), {"page_size": 500})
        assert response.status_code == 200, response.content[:500]
        rows = {row["id"]: row for row in response.json()["results"]}
        assert obj.pk in rows
        for row in rows.values():
            self.assert_carries_fields(row)

    def test_detail_for_a_reader(self, request: Any) -> None:
        obj = self.make(request)
        response = self.client(request, self.reader).get(self.detail_url(obj))
        assert response.status_code == 200, response.content[:500]
        assert response.json()["id"] == obj.pk
        self.assert_carries_fields(response.json())

    def test_the_answers_are_what_drf_itself_writes(self, request: Any, monkeypatch: Any) -> None:
        """The list and the detail, written by the rows' plan (``aims.api.base``) and orjson
        (``aims.api.renderers``), are byte for byte what DRF's own loop and renderer write."""
        import aims.api.base
        from aims.api.renderers import JSONRenderer

        obj = self.make(request)
        self.make(request)
        client = self.client(request, self.reader)
        asked = [(self.list_url(), {"page_size": 500}), (self.detail_url(obj), {})]
        plans = []
        make_plan = aims.api.base._serializer_plan
        monkeypatch.setattr(
            aims.api.base, "_serializer_plan", lambda *a: plans.append(a) or make_plan(*a)
        )
        fast = [client.get(url, params) for url, params in asked]
        assert [r.status_code for r in fast] == [200, 200]
        assert plans, "no row was written by a plan"
        monkeypatch.setattr(aims.api.base.ModelSerializer, "read_plan", False)
        monkeypatch.setattr(JSONRenderer, "render", renderers.JSONRenderer.render)
        slow = [client.get(url, params) for url, params in asked]
        assert [r.content for r in fast] == [r.content for r in slow]

    def test_list_runs_the_same_queries_for_1_and_20_rows(self, request: Any) -> None:
        self._assert_constant_queries(self.client(request, self.reader), lambda: self.make(request))

    def test_anonymous_is_401(self, request: Any) -> None:
        obj = self.make(request)
        client = APIClient()
        assert_error(client.get(self.list_url()), 401)
        assert_error(client.get(self.detail_url(obj)), 401)
        self._writes_refused(request, client, 401, obj)

    # --- Creating ------------------------------------------------------------------------------
    def test_create(self, request: Any) -> None:
        writer = self.persona(request, self.writer)
        client = logged_in_api_client(writer)
        for payload in self.payloads(request, "create_data"):
            rows, mark = self.table(), last_record_id()
            response = client.post(self.list_url(), payload, format="json")
            assert response.status_code == self.create_status, (payload, response.content[:500])
            body = response.json()
            self.assert_carries_fields(body)
            self.assert_matches(payload, body)
            assert self.table() - rows == {body["id"]}, "not exactly one new row"
            assert self.model is not None
            created = self.model._default_manager.get(pk=body["id"])
            if not self.logged:
                assert not records_since(mark).exists()
                continue
            record = self.assert_one_record(mark, created, Action.CREATE, writer, response)
            assert record.after == snapshot(created), "the record is not the row as created"
            creates = records_since(mark, model=self.model).filter(action=Action.CREATE)
            assert creates.count() == 1, "another row of the model was logged as created"

    def test_bad_create_is_400_and_changes_nothing(self, request: Any) -> None:
        client = self.client(request, self.writer)
        for field, payload in self.payloads(request, "bad_create_data"):
            rows, mark = self.table(), last_record_id()
            response = client.post(self.list_url(), payload, format="json")
            assert_error(response, 400, field)
            assert self.table() == rows
            assert not records_since(mark).exists()

    def test_create_without_permission_is_403(self, request: Any, denied_persona: str) -> None:
        client = self.client(request, denied_persona)
        payload = self.payloads(request, "create_data")[0]
        rows, mark = self.table(), last_record_id()
        assert_error(client.post(self.list_url(), payload, format="json"), 403)
        assert self.table() == rows
        assert not records_since(mark).exists()

    def test_create_is_not_offered(self, request: Any) -> None:
        client = self.client(request, self.writer)
        self.make(request)
        rows, mark = self.table(), last_record_id()
        assert_error(client.post(self.list_url(), {}, format="json"), 405)
        assert self.table() == rows
        assert not records_since(mark).exists()

    # --- Updating ------------------------------------------------------------------------------
    def test_update(self, request: Any) -> None:
        writer = self.persona(request, self.writer)
        obj = self.make(request)
        payload = self._with_fixtures(request, "update_data")
        before, mark = self.row(obj.pk), last_record_id()
        assert before is not None
        response = logged_in_api_client(writer).patch(self.detail_url(obj), payload, format="json")
        assert response.status_code == 200, response.content[:500]
        self.assert_carries_fields(response.json())
        self.assert_matches(payload, response.json())
        after = self.row(obj.pk)
        assert after is not None and after != before, "the row did not change"
        if not self.logged:
            assert not records_since(mark).exists()
            return
        record = self.assert_one_record(mark, obj, Action.UPDATE, writer, response)
        assert record.before == before[1] and record.after == after[1]

    def test_bad_update_is_400_and_changes_nothing(self, request: Any) -> None:
        client = self.client(request, self.writer)
        obj = self.make(request)
        for field, payload in self.payloads(request, "bad_update_data"):
            before, mark = self.row(obj.pk), last_record_id()
            assert_error(client.patch(self.detail_url(obj), payload, format="json"), 400, field)
            assert self.row(obj.pk) == before
            assert not records_since(mark).exists()

    def test_update_without_permission_is_403(self, request: Any, denied_persona: str) -> None:
        client = self.client(request, denied_persona)
        obj = self.make(request)
        payload = self._with_fixtures(request, "update_data")
        before, mark = self.row(obj.pk), last_record_id()
        assert_error(client.patch(self.detail_url(obj), payload, format="json"), 403)
        assert self.row(obj.pk) == before
        assert not records_since(mark).exists()

    def test_update_is_not_offered(self, request: Any) -> None:
        client = self.client(request, self.writer)
        obj = self.make(request)
        before, mark = self.row(obj.pk), last_record_id()
        assert_error(client.patch(self.detail_url(obj), {}, format="json"), 405)
        assert_error(client.put(self.detail_url(obj), {}, format="json"), 405)
        assert self.row(obj.pk) == before
        assert not records_since(mark).exists()

    # --- Deleting ------------------------------------------------------------------------------
    def test_delete(self, request: Any) -> None:
        writer = self.persona(request, self.writer)
        obj = self.make(request)
        before, mark = self.row(obj.pk), last_record_id()
        assert before is not None
        response = logged_in_api_client(writer).delete(self.detail_url(obj))
        assert response.status_code == 204, response.content[:500]
        self.assert_deleted(obj.pk)
        if not self.logged:
            assert not records_since(mark).exists()
            return
        record = self.assert_one_record(mark, obj, self.delete_action, writer, response)
        assert record.before == before[1]

    def test_delete_without_permission_is_403(self, request: Any, denied_persona: str) -> None:
        client = self.client(request, denied_persona)
        obj = self.make(request)
        before, mark = self.row(obj.pk), last_record_id()
        assert_error(client.delete(self.detail_url(obj)), 403)
        assert self.row(obj.pk) == before
        assert not records_since(mark).exists()

    def test_delete_is_not_offered(self, request: Any) -> None:
        client = self.client(request, self.writer)
        obj = self.make(request)
        before, mark = self.row(obj.pk), last_record_id()
        assert_error(client.delete(self.detail_url(obj)), 405)
        assert self.row(obj.pk) == before
        assert not records_since(mark).exists()

    def test_a_read_only_token_cannot_write(self, request: Any) -> None:
        writer = self.persona(request, self.writer)
        _token, raw = token_create(user=writer, actor=writer, name="ro", scope=TokenScope.READ)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        assert client.get(self.list_url()).status_code == 200  # the token does authenticate
        self._writes_refused(request, client, 403)

    # --- Scope ---------------------------------------------------------------------------------
    def test_an_object_of_an_ungranted_system_is_404(self, request: Any) -> None:
        member = self.persona(request, self.scope_persona)
        of_system = type(self).of_system
        assert of_system is not None
        mine = of_system(AISystemFactory(granted_to=[member]))
        theirs = of_system(AISystemFactory())
        client = logged_in_api_client(member)
        listed = self.listed_ids(client)
        assert mine.pk in listed and theirs.pk not in listed
        assert client.get(self.detail_url(mine)).status_code == 200
        assert_error(client.get(self.detail_url(theirs)), 404)
        if self.scope_persona in self.not_writers:
            return
        before, mark = self.row(theirs.pk), last_record_id()
        if self.can_update:
            update = self._with_fixtures(request, "update_data")
            assert_error(client.patch(self.detail_url(theirs), update, format="json"), 404)
        if self.can_delete:
            assert_error(client.delete(self.detail_url(theirs)), 404)
        assert self.row(theirs.pk) == before
        assert not records_since(mark).exists()

    def test_list_queries_for_an_operational_member(self, request: Any) -> None:
        member = self.persona(request, self.scope_persona)
        of_system = type(self).of_system
        assert of_system is not None
        # Each object of a system of its own: the grants grow with the rows.
        self._assert_constant_queries(
            logged_in_api_client(member), lambda: of_system(AISystemFactory(granted_to=[member]))
        )

    def test_another_users_object_is_404(self, request: Any) -> None:
        member = self.persona(request, self.scope_persona)
        of_user = type(self).of_user
        assert of_user is not None
        mine = of_user(member)
        theirs = of_user(UserFactory(roles=sorted(user_roles(member))))
        client = logged_in_api_client(member)
        listed = self.listed_ids(client)
        assert mine.pk in listed and theirs.pk not in listed
        assert client.get(self.detail_url(mine)).status_code == 200
        assert_error(client.get(self.detail_url(theirs)), 404)
        before, mark = self.row(theirs.pk), last_record_id()
        if self.can_delete and self.scope_persona not in self.not_writers:
            assert_error(client.delete(self.detail_url(theirs)), 404)
        assert self.row(theirs.pk) == before
        assert not records_since(mark).exists()

    def test_an_operational_member_sees_organisation_records(self, request: Any) -> None:
        obj = self.make(request)
        client = self.client(request, self.scope_persona)
        assert obj.pk in self.listed_ids(client)
        assert client.get(self.detail_url(obj)).status_code == 200
