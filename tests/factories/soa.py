"""The Statement of Applicability: versions and rows, made through ``controls.services.soa``.

The organisation's controls and evidence are made here directly on their models with
``make_control`` and ``make_evidence``: their services belong to other parts of the controls
app; the SoA only reads them."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

import factory
from django.utils import timezone

from aims.models import Framework, Requirement
from aims.services.library import library_load
from controls.models import (
    ApplicabilityStatement,
    Control,
    ControlRequirement,
    Evidence,
    EvidenceVersion,
    StatementOfApplicability,
)
from controls.services.soa import (
    soa_approve,
    soa_row_add,
    soa_row_update,
    soa_rows_ensure,
    soa_start,
    soa_submit,
)
from tests.factories.base import ServiceFactory
from tests.factories.documents import make_approver
from tests.factories.library import RequirementFactory

ISO_FILE = Path(__file__).resolve().parents[2] / "library" / "frameworks" / "iso-iec-42001.yaml"
ISO = "urn:aims:framework:iso-iec-42001"
SOA_STATES = ("draft", "in_review", "approved")


def load_iso(actor: Any = None) -> None:
    """Load the shipped ISO/IEC 42001 file (its 38 Annex A controls) unless loaded."""
    if not Framework.objects.filter(urn=ISO).exists():
        library_load(files=[(ISO_FILE.name, ISO_FILE.read_bytes())], actor=actor)


def annex(ref_id: str) -> Requirement:
    return Requirement.objects.get(framework__urn=ISO, ref_id=ref_id)


def decide_all(version: StatementOfApplicability, *, actor: Any = None) -> None:
    """Every undecided row of ``version`` excluded with a justification (no check fires)."""
    for row in version.rows.filter(applicable__isnull=True):
        soa_row_update(
            actor=actor,
            row=row,
            applicable=False,
            justification_type="good_practice",
            justification="Outside the scope of the organisation's AI activities.",
        )


class SoaFactory(ServiceFactory):
    """A version of the SoA. ``library=True`` loads the shipped ISO/IEC 42001 (the version gets
    its 38 rows, all excluded with a justification unless ``state`` is draft); otherwise an
    empty version 1. ``state``: draft (the default), in_review (submitted by the actor) or
    approved (also approved by ``approver``, top management unless given)."""

    class Meta:
        model = StatementOfApplicability

    state = "draft"
    approver = None
    library = False

    @classmethod
    def create_through_service(
        cls, *, actor: Any, state: str, approver: Any, library: bool
    ) -> StatementOfApplicability:
        if state not in SOA_STATES:
            raise ValueError(f"state is one of {SOA_STATES}, not {state!r}")
        if library:
            load_iso(actor)
            soa_rows_ensure(actor=actor)
            version = StatementOfApplicability.objects.order_by("-number").first()
            assert version is not None
        else:
            version = soa_start(actor=actor)
        if state in ("in_review", "approved"):
            decide_all(version, actor=actor)
            version = soa_submit(actor=actor, soa=version)
        if state == "approved":
            version = soa_approve(actor=approver or make_approver(), soa=version)
        return version


class ApplicabilityStatementFactory(ServiceFactory):
    """A row of ``soa`` (a new empty draft unless given) for a requirement of a small test
    framework, added as a control of another source (applicable, good practice)."""

    class Meta:
        model = ApplicabilityStatement

    soa = factory.SubFactory(SoaFactory)
    requirement = factory.LazyFunction(RequirementFactory)
    applicable = True
    justification_type = "good_practice"
    justification = "Adopted as good practice."

    @classmethod
    def create_through_service(
        cls, *, actor: Any, soa: Any, requirement: Any, **fields: Any
    ) -> Any:
        return soa_row_add(actor=actor, soa=soa, requirement=requirement, **fields)


def make_control(
    code: str,
    *,
    requirements: list[Requirement] = (),
    status: str = "operating",
    **fields: Any,  # type: ignore[assignment]
) -> Control:
    """An organisation-wide control satisfying ``requirements`` (made on the model: the
    controls services are another part's)."""
    control = Control.objects.create(
        code=code, name=fields.pop("name", f"Control {code}"), status=status, **fields
    )
    for requirement in requirements:
        ControlRequirement.objects.create(control=control, requirement=requirement)
    return control


def make_evidence(
    title: str,
    *,
    valid_until: date | None = None,
    effective_from: date | None = None,
    review_status: str = "submitted",
    controls: list[Control] = (),  # type: ignore[assignment]
) -> Evidence:
    """Organisation-wide evidence with one version (a URL), ``valid_until`` as given."""
    evidence = Evidence.objects.create(title=title)
    today = timezone.localdate()
    version = EvidenceVersion.objects.create(
        evidence=evidence,
        number=1,
        url=f"https://example.com/{title.replace(' ', '-')}",
        effective_from=effective_from or today - timedelta(days=30),
        valid_until=valid_until,
        review_status="submitted",
    )
    if review_status != "submitted":
        reviewer = make_approver()
        EvidenceVersion.objects.filter(pk=version.pk).update(
            review_status=review_status, reviewed_by=reviewer, reviewed_at=timezone.now()
        )
        version.refresh_from_db()
    evidence.current_version = version
    evidence.valid_until = valid_until
    # The copies the evidence services keep of the current version (validity is read there).
    evidence.current_effective_from = version.effective_from
    evidence.awaiting_review = version.review_status == "submitted"
    evidence.save()
    evidence.controls.set(controls)
    return evidence
