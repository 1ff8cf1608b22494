"""The demo evidence: Japanese records for the demo controls, files through the storage,
links, some expired, some reviewed; loaded once; skipped for absent controls."""

from __future__ import annotations

import pytest
from django.utils import timezone

from aims.choices import Role
from controls.choices import EvidenceReview
from controls.demo import evidence as demo
from controls.models import Control, Evidence, EvidenceVersion
from controls.selectors.evidence import evidence_valid_on
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def users():
    roles = {
        "officer": Role.GOVERNANCE_OFFICER,
        "executive": Role.TOP_MANAGEMENT,
        "operator": Role.OPERATIONAL_MEMBER,
    }
    return {name: UserFactory(username=name, roles=[role]) for name, role in roles.items()}


def test_nothing_is_made_without_the_demo_controls(users):
    demo.load(users=users)
    assert not Evidence.objects.exists()


def test_the_demo_evidence(users):
    # Organisation-wide stand-ins for the controls demo's CTL-001 … CTL-015 (the systems
    # of the inventory demo are absent here: evidence of a system is skipped).
    for number in range(1, 16):
        Control.objects.create(code=f"CTL-{number:03d}", name=f"管理策 {number}")
    demo.load(users=users)
    evidence = Evidence.objects.all()
    organisation_wide = [s for s in demo.EVIDENCE if s["system"] is None]
    assert evidence.count() == len(organisation_wide) >= 4
    assert all(e.controls.exists() for e in evidence)
    today = timezone.localdate()
    assert evidence.filter(valid_until__lt=today).exists()
    assert evidence_valid_on(evidence, today).exists()
    assert EvidenceVersion.objects.filter(review_status=EvidenceReview.ACCEPTED).exists()
    pdf = EvidenceVersion.objects.filter(content_type="application/pdf").first()
    with pdf.file.open("rb") as handle:
        assert handle.read(5) == b"%PDF-"
    demo.load(users=users)
    assert Evidence.objects.count() == len(organisation_wide)


def test_the_generated_pdf_is_a_pdf():
    content = demo.minimal_pdf(["Evidence CTL-001", "AIMS"])
    assert content.startswith(b"%PDF-1.4") and content.rstrip().endswith(b"%%EOF")
    assert b"/Type /Catalog" in content


def test_with_the_whole_demo_every_listed_control_gets_evidence(db):
    import io

    from django.contrib.auth import get_user_model
    from django.core.management import call_command

    call_command("load_demo", stdout=io.StringIO())
    for number in range(1, 16):
        Control.objects.get_or_create(code=f"CTL-{number:03d}", defaults={"name": "管理策"})
    Evidence.objects.all().delete()  # the controls demo may have run: start from none
    users = {u.username: u for u in get_user_model().objects.all()}
    demo.load(users=users)
    # The listed records, and a training certificate of the first competence record (7.2).
    assert Evidence.objects.count() == len(demo.EVIDENCE) + 1
    from aims.models.competence import CompetenceRecord
    from controls.models import EvidenceLink

    record = CompetenceRecord.objects.order_by("pk").first()
    link = EvidenceLink.objects.get(object_id=record.pk, content_type__model="competencerecord")
    assert link.evidence.title == "AIガバナンス研修 修了証" and link.evidence.current_version
    assert Evidence.objects.filter(versions__url__startswith="https://").exists()
    by_operator = EvidenceVersion.objects.filter(uploaded_by__username="operator")
    assert by_operator.exists()
    assert by_operator.filter(
        review_status=EvidenceReview.ACCEPTED, reviewed_by__username="officer"
    ).exists()
    assert EvidenceVersion.objects.filter(review_status=EvidenceReview.REJECTED).exists()
