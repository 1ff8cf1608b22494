"""Evidence services: versions that never overwrite each other, files checked and hashed,
the review rule, links only to records the author sees, and freshness."""

from __future__ import annotations

import datetime
import hashlib

import pytest
import time_machine
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from aims.choices import Action, ApprovalStatus, Role
from aims.models import ChangeRecord
from controls.choices import EvidenceReview
from controls.models import (
    ApplicabilityStatement,
    Evidence,
    EvidenceLink,
    EvidenceVersion,
    StatementOfApplicability,
)
from controls.selectors.evidence import evidence_linked_to, evidence_valid_on, freshness
from controls.services.evidence import (
    evidence_create,
    evidence_link,
    evidence_update,
    evidence_version_add,
    evidence_version_review,
)
from tests.factories import AISystemFactory, RequirementFactory, RiskFactory, UserFactory
from tests.factories.evidence import PDF_BYTES, EvidenceFactory, pdf_upload

pytestmark = pytest.mark.django_db
DAY = datetime.date(2026, 3, 1)


def actions_on(obj) -> list[str]:
    content_type = ContentType.objects.get_for_model(obj)
    return list(
        ChangeRecord.objects.filter(content_type=content_type, object_id=str(obj.pk))
        .order_by("id")
        .values_list("action", flat=True)
    )


def stored_files(settings) -> list:
    root = settings.MEDIA_ROOT
    return [p for p in root.rglob("*") if p.is_file()] if root.exists() else []


def test_a_file_version_is_stored_hashed_typed_and_logged(officer):
    evidence = evidence_create(
        actor=officer,
        title="モデル評価報告書",
        version={"file": pdf_upload(), "effective_from": DAY, "valid_until": DAY.replace(month=9)},
    )
    version = evidence.current_version
    assert version.number == 1
    assert version.file_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    assert version.file_size == len(PDF_BYTES)
    assert version.content_type == "application/pdf"
    assert version.uploaded_by == officer
    assert version.review_status == EvidenceReview.SUBMITTED
    assert evidence.valid_until == DAY.replace(month=9)
    assert evidence.owner == officer
    with version.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    assert actions_on(evidence) == [Action.CREATE]
    assert actions_on(version) == [Action.CREATE]


def test_versions_are_numbered_and_never_overwrite_each_other(officer):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    first = evidence.current_version
    second = evidence_version_add(
        actor=officer,
        evidence=evidence,
        file=pdf_upload(content=PDF_BYTES + b"% v2\n"),
        effective_from=DAY,
    )
    third = evidence_version_add(
        actor=officer, evidence=evidence, url="https://ci.example.com/run/3", effective_from=DAY
    )
    assert [v.number for v in evidence.versions.order_by("number")] == [1, 2, 3]
    first.refresh_from_db()
    assert first.file.name != second.file.name
    assert first.file_sha256 == hashlib.sha256(PDF_BYTES).hexdigest()
    with first.file.open("rb") as handle:
        assert handle.read() == PDF_BYTES
    evidence.refresh_from_db()
    assert evidence.current_version == third


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("tool.exe", b"MZ\x90\x00", "not accepted"),
        ("report.pdf", b"MZ\x90\x00 not a pdf", "does not match"),
        ("notes.txt", b"\x00\x01\x02binary", "does not match"),
        ("empty.pdf", b"", "empty"),
    ],
)
def test_a_refused_file_changes_nothing(officer, settings, name, content, message):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    before = (EvidenceVersion.objects.count(), ChangeRecord.objects.count(), stored_files(settings))
    with pytest.raises(ValidationError) as error:
        evidence_version_add(
            actor=officer,
            evidence=evidence,
            file=SimpleUploadedFile(name, content),
            effective_from=DAY,
        )
    assert "file" in error.value.message_dict
    assert message in " ".join(error.value.message_dict["file"])
    after = (EvidenceVersion.objects.count(), ChangeRecord.objects.count(), stored_files(settings))
    assert after == before


def test_a_file_over_the_limit_is_refused_and_nothing_is_created(officer, settings):
    settings.EVIDENCE_MAX_BYTES = 100
    count = Evidence.objects.count()
    with pytest.raises(ValidationError) as error:
        evidence_create(
            actor=officer,
            title="大きすぎる",
            version={"file": pdf_upload(content=PDF_BYTES + b"0" * 200), "effective_from": DAY},
        )
    assert "too large" in " ".join(error.value.message_dict["file"])
    assert Evidence.objects.count() == count
    assert stored_files(settings) == []


@pytest.mark.parametrize(
    "url", ["ftp://example.com/x", "javascript:alert(1)", "file:///etc/passwd"]
)
def test_only_http_links_are_accepted(officer, url):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    with pytest.raises(ValidationError) as error:
        evidence_version_add(actor=officer, evidence=evidence, url=url, effective_from=DAY)
    assert "url" in error.value.message_dict
    assert evidence.versions.count() == 1


def test_a_file_and_a_url_together_or_neither_are_refused(officer):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    with pytest.raises(ValidationError):
        evidence_version_add(
            actor=officer,
            evidence=evidence,
            file=pdf_upload(),
            url="https://a.example",
            effective_from=DAY,
        )
    with pytest.raises(ValidationError):
        evidence_version_add(actor=officer, evidence=evidence, effective_from=DAY)
    assert evidence.versions.count() == 1


def test_the_period_must_be_ordered(officer):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    with pytest.raises(ValidationError) as error:
        evidence_version_add(
            actor=officer,
            evidence=evidence,
            url="https://a.example",
            effective_from=DAY,
            effective_until=DAY - datetime.timedelta(days=1),
        )
    assert "effective_until" in error.value.message_dict


# --- review -------------------------------------------------------------------------------------
def test_the_uploader_never_reviews_their_own_version(officer):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    with pytest.raises(ValidationError, match="uploaded themselves"):
        evidence_version_review(actor=officer, version=evidence.current_version, accepted=True)
    evidence.current_version.refresh_from_db()
    assert evidence.current_version.review_status == EvidenceReview.SUBMITTED


def test_the_owner_or_an_approver_reviews_others_do_not(officer, executive, operator):
    uploader = UserFactory(roles=[Role.GOVERNANCE_OFFICER])
    evidence = EvidenceFactory(actor=uploader, ai_systems=[], owner=officer)
    version = evidence.current_version
    with pytest.raises(ValidationError, match="owner or by someone who may approve"):
        evidence_version_review(actor=operator, version=version, accepted=True)
    evidence_version_review(actor=officer, version=version, accepted=True)  # the owner
    version.refresh_from_db()
    assert version.review_status == EvidenceReview.ACCEPTED
    assert version.reviewed_by == officer
    assert actions_on(version) == [Action.CREATE, Action.UPDATE]
    with pytest.raises(ValidationError, match="reviewed already"):
        evidence_version_review(actor=executive, version=version, accepted=False, comment="x")


def test_a_rejection_needs_a_comment_and_the_previous_version_becomes_current(officer, executive):
    evidence = EvidenceFactory(actor=officer, ai_systems=[], valid_until=DAY.replace(month=12))
    first = evidence.current_version
    second = evidence_version_add(
        actor=officer,
        evidence=evidence,
        url="https://ci.example.com/2",
        effective_from=DAY,
        valid_until=DAY.replace(month=6),
    )
    with pytest.raises(ValidationError) as error:
        evidence_version_review(actor=executive, version=second, accepted=False, comment="  ")
    assert "comment" in error.value.message_dict
    second.refresh_from_db()
    assert second.review_status == EvidenceReview.SUBMITTED
    evidence_version_review(actor=executive, version=second, accepted=False, comment="期間が違う")
    evidence.refresh_from_db()
    assert evidence.current_version == first
    assert evidence.valid_until == DAY.replace(month=12)


# --- reach and links ----------------------------------------------------------------------------
def test_an_operator_works_on_granted_systems_only(operator):
    granted = AISystemFactory(granted_to=[operator])
    other = AISystemFactory()
    with pytest.raises(ValidationError) as error:
        evidence_create(actor=operator, title="org-wide", ai_systems=[])
    assert "ai_systems" in error.value.message_dict
    with pytest.raises(ValidationError):
        evidence_create(actor=operator, title="other", ai_systems=[other])
    evidence = evidence_create(actor=operator, title="mine", ai_systems=[granted])
    assert list(evidence.ai_systems.all()) == [granted]


def test_a_link_to_a_record_the_user_cannot_see_is_refused_and_changes_nothing(operator):
    granted = AISystemFactory(granted_to=[operator])
    hidden_risk = RiskFactory(ai_systems=[AISystemFactory()])
    count, records = Evidence.objects.count(), ChangeRecord.objects.count()
    with pytest.raises(ValidationError) as error:
        evidence_create(actor=operator, title="x", ai_systems=[granted], links=[hidden_risk])
    assert "links" in error.value.message_dict
    assert "can see" in " ".join(error.value.message_dict["links"])
    assert (Evidence.objects.count(), ChangeRecord.objects.count()) == (count, records)
    assert not EvidenceLink.objects.exists()


def test_links_to_records_of_other_apps_are_logged_and_listed(operator, officer):
    granted = AISystemFactory(granted_to=[operator])
    risk = RiskFactory(ai_systems=[granted])
    evidence = EvidenceFactory(actor=operator, ai_systems=[granted], links=[risk])
    link = EvidenceLink.objects.get()
    assert link.target == risk
    assert actions_on(link) == [Action.CREATE]
    assert evidence_linked_to(risk, officer) == [evidence]
    assert evidence_linked_to(risk, UserFactory(roles=[Role.OPERATIONAL_MEMBER])) == []


def test_evidence_is_linked_to_rows_of_a_draft_soa_only(officer):
    requirement = RequirementFactory()
    draft = StatementOfApplicability.objects.create(status=ApprovalStatus.DRAFT, number=1)
    row = ApplicabilityStatement.objects.create(soa=draft, requirement=requirement)
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    evidence_link(actor=officer, evidence=evidence, record=row)
    assert list(row.evidence.all()) == [evidence]
    assert actions_on(row) == [Action.UPDATE]
    approved = StatementOfApplicability.objects.create(
        status=ApprovalStatus.APPROVED, number=2, approved_by=officer, approved_at=DAY_TIME()
    )
    frozen_row = ApplicabilityStatement.objects.create(soa=approved, requirement=requirement)
    with pytest.raises(ValidationError, match="draft"):
        evidence_link(actor=officer, evidence=evidence, record=frozen_row)
    assert not frozen_row.evidence.exists()


def DAY_TIME():
    from django.utils import timezone

    return timezone.now()


def test_update_is_logged_with_before_and_after(officer):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    evidence_update(actor=officer, evidence=evidence, title="新しい題名")
    record = ChangeRecord.objects.filter(object_id=str(evidence.pk), action=Action.UPDATE).get()
    assert record.before["title"] != record.after["title"] == "新しい題名"


# --- freshness ----------------------------------------------------------------------------------
@time_machine.travel(datetime.datetime(2026, 6, 1, 12, tzinfo=datetime.UTC), tick=False)
def test_freshness_and_validity_on_a_day(officer):
    today = datetime.date(2026, 6, 1)
    expired = EvidenceFactory(
        actor=officer, ai_systems=[], valid_until=today - datetime.timedelta(days=1)
    )
    expiring = EvidenceFactory(
        actor=officer, ai_systems=[], valid_until=today + datetime.timedelta(days=30)
    )
    valid = EvidenceFactory(actor=officer, ai_systems=[], valid_until=None)
    future = EvidenceFactory(
        actor=officer, ai_systems=[], effective_from=today + datetime.timedelta(days=5)
    )
    empty = EvidenceFactory(actor=officer, ai_systems=[], with_version=False)
    assert [freshness(e, today) for e in (expired, expiring, valid, empty)] == [
        "expired",
        "expiring",
        "valid",
        "none",
    ]
    assert set(evidence_valid_on(Evidence.objects.all(), today)) == {expiring, valid}
    assert future not in evidence_valid_on(Evidence.objects.all(), today)


def test_unlinking_removes_each_kind_of_link_with_a_record(officer):
    from controls.services.evidence import evidence_unlink
    from tests.factories import DocumentFactory

    requirement = RequirementFactory()
    draft = StatementOfApplicability.objects.create(status=ApprovalStatus.DRAFT, number=1)
    row = ApplicabilityStatement.objects.create(soa=draft, requirement=requirement)
    document = DocumentFactory()
    evidence = EvidenceFactory(actor=officer, ai_systems=[], links=[row, document])
    link = EvidenceLink.objects.get()
    evidence_unlink(actor=officer, evidence=evidence, record=document)
    evidence_unlink(actor=officer, evidence=evidence, record=row)
    assert not EvidenceLink.objects.exists()
    assert not row.evidence.exists()
    assert actions_on(link) == [Action.CREATE, Action.DELETE]
    assert actions_on(row) == [Action.UPDATE, Action.UPDATE]


def test_a_kind_of_record_nobody_registered_cannot_be_linked(officer):
    evidence = EvidenceFactory(actor=officer, ai_systems=[])
    with pytest.raises(ValidationError, match="this kind of record"):
        evidence_link(actor=officer, evidence=evidence, record=officer)


def test_the_version_of_an_audit_period(officer):
    from controls.selectors.evidence import evidence_version_in_period

    evidence = EvidenceFactory(
        actor=officer, ai_systems=[], effective_from=datetime.date(2025, 4, 1)
    )
    first = evidence.current_version
    second = evidence_version_add(
        actor=officer,
        evidence=evidence,
        url="https://a.example/2026",
        effective_from=datetime.date(2026, 4, 1),
    )
    fy2025 = (datetime.date(2025, 4, 1), datetime.date(2026, 3, 31))
    fy2026 = (datetime.date(2026, 4, 1), datetime.date(2027, 3, 31))
    assert evidence_version_in_period(evidence, *fy2025) == first
    assert evidence_version_in_period(evidence, *fy2026) == second
    assert (
        evidence_version_in_period(evidence, datetime.date(2020, 1, 1), datetime.date(2020, 12, 31))
        is None
    )
