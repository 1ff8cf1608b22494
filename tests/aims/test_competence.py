"""The competence register (7.2): roles with their required competence, people's records,
who may see and change them, the change log, bad input, the evidence linked to a record, the
review reminders in the inbox, and the list's query count."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from aims.choices import Role
from aims.inbox import inbox
from aims.models import ChangeRecord, CompetenceRecord, CompetenceRole, CompetenceState
from aims.services.competence import (
    competence_record_create,
    competence_record_delete,
    competence_record_update,
    competence_role_create,
    competence_role_delete,
)
from tests.factories import AISystemFactory, UserFactory

pytestmark = pytest.mark.django_db


def _role(actor=None, **kwargs):
    data = {"name": "Model reviewer", "required_competence": "Fairness evaluation training."}
    data.update(kwargs)
    return competence_role_create(actor=actor, **data)


def _changes(obj):
    return list(
        ChangeRecord.objects.filter(content_type__model=obj._meta.model_name, object_id=str(obj.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


# --- services ----------------------------------------------------------------------------------
def test_create_update_delete_write_change_records(officer):
    role = _role(officer)
    person = UserFactory(roles=[Role.OPERATIONAL_MEMBER])
    record = competence_record_create(
        actor=officer, role=role, person=person, state=CompetenceState.IN_TRAINING
    )
    assert record.assessed_by == officer and record.owner == officer  # the role's owner
    assert record.assessed_on == timezone.localdate()
    competence_record_update(actor=officer, record=record, state=CompetenceState.COMPETENT)
    record.refresh_from_db()
    assert record.state == CompetenceState.COMPETENT
    pk = record.pk
    competence_record_delete(actor=officer, record=record)
    assert not CompetenceRecord.objects.filter(pk=pk).exists()
    record.pk = pk
    assert _changes(record) == ["create", "update", "delete"]
    assert _changes(role) == ["create"]


def test_bad_input_is_refused_and_changes_nothing(officer):
    role = _role(officer)
    person = UserFactory()
    future = timezone.localdate() + timedelta(days=1)
    before = ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as error:
        competence_record_create(actor=officer, role=role, person=person, assessed_on=future)
    assert "assessed_on" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _role(officer, name="model REVIEWER")
    assert "name" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        _role(officer, name="Data steward", required_competence="  ")
    assert "required_competence" in error.value.message_dict
    competence_record_create(actor=officer, role=role, person=person)
    with pytest.raises(ValidationError) as error:
        competence_record_create(actor=officer, role=role, person=person)
    assert "person" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        competence_record_create(
            actor=officer,
            role=role,
            person=UserFactory(),
            assessed_on=timezone.localdate(),
            next_review_on=timezone.localdate() - timedelta(days=1),
        )
    assert "next_review_on" in error.value.message_dict
    assert CompetenceRecord.objects.count() == 1
    assert ChangeRecord.objects.count() == before + 1


def test_a_role_with_records_is_not_deleted(officer):
    role = _role(officer)
    competence_record_create(actor=officer, role=role, person=UserFactory())
    with pytest.raises(ValidationError):
        competence_role_delete(actor=officer, role=role)
    assert CompetenceRole.objects.filter(pk=role.pk).exists()


def test_an_operator_keeps_the_roles_of_their_systems_only(operator):
    mine = AISystemFactory(granted_to=[operator])
    with pytest.raises(ValidationError) as error:
        _role(operator)  # organisation-wide: the officer's
    assert "ai_systems" in error.value.message_dict
    role = _role(operator, ai_systems=[mine])
    assert list(role.ai_systems.all()) == [mine]
    theirs = _role(None, name="Other", ai_systems=[AISystemFactory()])
    with pytest.raises(ValidationError) as error:
        competence_record_create(actor=operator, role=theirs, person=operator)
    assert "role" in error.value.message_dict


# --- pages -------------------------------------------------------------------------------------
def test_pages_create_show_and_edit(officer, client_for):
    client = client_for(officer)
    response = client.post(
        reverse("competence_role_create"),
        {"name": "AIMS manager", "required_competence": "ISO/IEC 42001 training", "owner": ""},
    )
    role = CompetenceRole.objects.get(name="AIMS manager")
    assert response.status_code == 302 and response["Location"] == role.get_absolute_url()
    person = UserFactory(first_name="Hana", last_name="Mori")
    today = timezone.localdate().isoformat()
    response = client.post(
        reverse("competence_record_create"),
        {"role": role.pk, "person": person.pk, "state": "gap", "assessed_on": today},
    )
    record = CompetenceRecord.objects.get()
    assert response.status_code == 302 and record.state == "gap"
    html = client.get(record.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Hana Mori" in html and "ISO/IEC 42001 training" in html
    assert 'data-testid="evidence-for"' in html  # the evidence panel of the controls app
    html = client.get(reverse("competence"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "AIMS manager" in html and "Competence gap" in html
    filtered = client.get(reverse("competence") + "?state=competent").content.decode()
    assert "competence-gap" not in filtered and "Hana Mori" not in filtered


def test_a_bad_form_answers_400_and_changes_nothing(officer, client_for):
    role = _role(officer)
    response = client_for(officer).post(
        reverse("competence_record_create"),
        {
            "role": role.pk,
            "person": officer.pk,
            "state": "competent",
            "assessed_on": (timezone.localdate() + timedelta(days=3)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert not CompetenceRecord.objects.exists()


def test_a_role_of_a_system_not_granted_is_hidden_from_an_operator(operator, client_for):
    hidden = _role(None, ai_systems=[AISystemFactory()])
    client = client_for(operator)
    assert client.get(hidden.get_absolute_url()).status_code == 404
    assert hidden.name not in client.get(reverse("competence")).content.decode()


def test_the_register_runs_the_same_queries_for_one_row_and_many(
    officer, client_for, django_assert_max_num_queries
):
    client = client_for(officer)
    urls = [reverse("competence"), "/api/v1/competence-records/", "/api/v1/competence-roles/"]

    def read_all():
        for url in urls:
            with django_assert_max_num_queries(14):
                assert client.get(url).status_code == 200

    role = _role(officer, ai_systems=[AISystemFactory()])
    competence_record_create(actor=officer, role=role, person=UserFactory())
    read_all()
    for index in range(12):
        extra = _role(officer, name=f"Role {index}", ai_systems=[AISystemFactory()])
        for _n in range(3):
            competence_record_create(actor=officer, role=extra, person=UserFactory())
    read_all()


# --- API ---------------------------------------------------------------------------------------
def test_api_crud_and_errors(officer, api_client_for):
    client = api_client_for(officer)
    response = client.post(
        "/api/v1/competence-roles/",
        {"name": "Data steward", "required_competence": "Data quality course"},
        format="json",
    )
    assert response.status_code == 201, response.content
    role = response.json()["id"]
    person = UserFactory()
    response = client.post(
        "/api/v1/competence-records/",
        {"role": role, "person": person.pk, "state": "competent"},
        format="json",
    )
    assert response.status_code == 201, response.content
    record = response.json()
    assert record["assessed_by"] == officer.pk
    again = client.post(
        "/api/v1/competence-records/",
        {"role": role, "person": person.pk, "state": "competent"},
        format="json",
    )
    assert again.status_code == 400 and "person" in again.json()["error"]["fields"]
    bad = client.post(
        "/api/v1/competence-records/",
        {"role": role, "person": person.pk, "state": "expert"},
        format="json",
    )
    assert bad.status_code == 400
    response = client.delete(f"/api/v1/competence-roles/{role}/")
    assert response.status_code == 400
    response = client.patch(
        f"/api/v1/competence-records/{record['id']}/", {"state": "gap"}, format="json"
    )
    assert response.status_code == 200 and response.json()["state"] == "gap"
    assert client.delete(f"/api/v1/competence-records/{record['id']}/").status_code == 204
    assert client.delete(f"/api/v1/competence-roles/{role}/").status_code == 204


def test_viewers_read_but_do_not_write(viewer, api_client_for):
    client = api_client_for(viewer)
    assert client.get("/api/v1/competence-roles/").status_code == 200
    response = client.post(
        "/api/v1/competence-roles/", {"name": "x", "required_competence": "y"}, format="json"
    )
    assert response.status_code == 403
    assert not CompetenceRole.objects.exists()


# --- evidence and reminders ----------------------------------------------------------------------
def test_a_training_certificate_links_to_the_record_and_shows_on_its_page(officer, client_for):
    from tests.factories.evidence import EvidenceFactory

    role = _role(officer)
    record = competence_record_create(actor=officer, role=role, person=UserFactory())
    EvidenceFactory(title="Fairness course certificate", ai_systems=[], links=[record])
    html = client_for(officer).get(record.get_absolute_url()).content.decode()
    assert "Fairness course certificate" in html


def test_a_record_due_for_review_reaches_its_owners_inbox(officer):
    role = _role(officer)
    today = timezone.localdate()
    competence_record_create(
        actor=officer,
        role=role,
        person=UserFactory(),
        assessed_on=today - timedelta(days=400),
        next_review_on=today - timedelta(days=1),
    )
    groups, counts = inbox(officer)
    sources = {item.source for group in groups for item in group.items}
    assert "review:aims.competencerecord:next_review_on" in sources


def test_deleting_from_the_pages(officer, client_for):
    client = client_for(officer)
    role = _role(officer)
    record = competence_record_create(actor=officer, role=role, person=UserFactory())
    response = client.post(reverse("competence_role_delete", args=[role.pk]))
    assert response["Location"] == role.get_absolute_url()  # refused: it has a record
    assert CompetenceRole.objects.filter(pk=role.pk).exists()
    response = client.post(reverse("competence_record_delete", args=[record.pk]))
    assert response["Location"] == role.get_absolute_url()
    assert not CompetenceRecord.objects.exists()
    assert client.post(reverse("competence_role_delete", args=[role.pk])).status_code == 302
    assert not CompetenceRole.objects.exists()
    deleted = ChangeRecord.objects.filter(action="delete").values_list(
        "content_type__model", flat=True
    )
    assert sorted(deleted) == ["competencerecord", "competencerole"]


def test_an_operator_records_competence_for_their_systems_role(operator, client_for):
    mine = AISystemFactory(granted_to=[operator])
    client = client_for(operator)
    response = client.post(
        reverse("competence_role_create"),
        {"name": "Data steward", "required_competence": "Data course", "ai_systems": [mine.pk]},
    )
    assert response.status_code == 302
    role = CompetenceRole.objects.get()
    response = client.post(
        reverse("competence_record_create"),
        {
            "role": role.pk,
            "person": operator.pk,
            "state": "in_training",
            "assessed_on": timezone.localdate().isoformat(),
        },
    )
    assert response.status_code == 302
    assert CompetenceRecord.objects.get().owner == operator  # the role's owner
    organisation_wide = client.post(
        reverse("competence_role_create"), {"name": "Org", "required_competence": "x"}
    )
    assert organisation_wide.status_code == 400
    assert CompetenceRole.objects.count() == 1
