"""The SoA's rows and their writes: made when the library loads, changed only on a draft,
exclusions justified, links only to what the actor sees, rows added from other sources,
waivers, and a change record for every write."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command

from aims.choices import ApprovalStatus
from aims.models import ChangeRecord
from aims.services.approval import can_review
from controls.models import ApplicabilityStatement, SoaCheckWaiver, StatementOfApplicability
from controls.selectors.soa import soa_in_effect, soa_working
from controls.services import soa as services
from tests.factories import AISystemFactory, RequirementFactory
from tests.factories.documents import make_approver
from tests.factories.soa import (
    ISO_FILE,
    ApplicabilityStatementFactory,
    SoaFactory,
    annex,
    decide_all,
    make_control,
    make_evidence,
)


def records_of(obj) -> int:
    return ChangeRecord.objects.filter(
        content_type__model=obj._meta.model_name, object_id=str(obj.pk)
    ).count()


def test_loading_the_library_creates_exactly_38_rows_and_a_second_load_none(db):
    call_command("load_library", str(ISO_FILE))
    version = StatementOfApplicability.objects.get()
    assert version.number == 1 and version.status == ApprovalStatus.DRAFT
    assert version.rows.count() == 38
    assert {r.requirement.ref_id for r in version.rows.select_related("requirement")} >= {
        "A.2.2",
        "A.10.4",
    }
    assert services.soa_rows_ensure(actor=None) == 0
    call_command("load_library", str(ISO_FILE))  # nothing new: no handler run, nothing made
    assert ApplicabilityStatement.objects.count() == 38
    assert StatementOfApplicability.objects.count() == 1


def test_a_missing_control_after_approval_starts_a_new_draft_carrying_everything(db, officer):
    approved = SoaFactory(library=True, state="approved", actor=officer)
    row = approved.rows.get(requirement=annex("A.2.2"))
    row.delete()  # as if A.2.2 were new in a later edition of the library
    assert services.soa_rows_ensure(actor=None) == 1
    draft = StatementOfApplicability.objects.get(number=2)
    assert draft.status == ApprovalStatus.DRAFT
    assert draft.rows.count() == 38
    assert draft.rows.exclude(requirement=annex("A.2.2")).filter(applicable=False).count() == 37
    approved.refresh_from_db()
    assert approved.status == ApprovalStatus.APPROVED and approved.rows.count() == 37


def test_update_a_row_records_the_change(db, officer):
    version = SoaFactory(library=True, actor=officer)
    row = version.rows.get(requirement=annex("A.6.2.4"))
    control = make_control("CTL-901", requirements=[annex("A.6.2.4")])
    evidence = make_evidence("Test report")
    services.soa_row_update(
        actor=officer,
        row=row,
        applicable=True,
        justification_type="risk_treatment",
        justification="Treats the accuracy risk.",
        implementation_status="partial",
        controls=[control],
        evidence=[evidence],
        owner=officer,
    )
    row.refresh_from_db()
    assert row.applicable is True and row.owner == officer
    assert list(row.controls.all()) == [control] and list(row.evidence.all()) == [evidence]
    last = ChangeRecord.objects.filter(object_id=str(row.pk)).order_by("-id").first()
    assert last.action == "update" and last.after["controls"] == [control.pk]


def test_exclusion_without_justification_is_refused_and_nothing_changes(db, officer):
    version = SoaFactory(library=True, actor=officer)
    row = version.rows.get(requirement=annex("A.2.2"))
    before = records_of(row)
    with pytest.raises(ValidationError) as error:
        services.soa_row_update(actor=officer, row=row, applicable=False, justification="  ")
    assert "justification" in error.value.message_dict
    row.refresh_from_db()
    assert row.applicable is None and records_of(row) == before


def test_unknown_field_and_unknown_choice_are_refused(db, officer):
    version = SoaFactory(library=True, actor=officer)
    row = version.rows.get(requirement=annex("A.2.2"))
    with pytest.raises(ValidationError) as error:
        services.soa_row_update(actor=officer, row=row, frozen={})
    assert "frozen" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.soa_row_update(actor=officer, row=row, justification_type="whim")
    assert "justification_type" in error.value.message_dict


def test_a_control_the_actor_cannot_see_is_refused(db, operator):
    version = SoaFactory(library=True)
    row = version.rows.get(requirement=annex("A.2.2"))
    hidden = make_control("CTL-902")
    hidden.ai_systems.set([AISystemFactory()])  # not granted to the operator
    with pytest.raises(ValidationError) as error:
        services.soa_row_update(actor=operator, row=row, controls=[hidden])
    assert str(hidden.pk) in str(error.value.message_dict["controls"])
    assert row.controls.count() == 0


def test_edits_to_an_approved_or_in_review_version_are_refused(db, officer):
    approved = SoaFactory(library=True, state="approved", actor=officer)
    row = approved.rows.first()
    with pytest.raises(ValidationError, match="approved and frozen"):
        services.soa_row_update(actor=officer, row=row, justification="changed")
    with pytest.raises(ValidationError):
        services.soa_check_waive(
            actor=officer,
            soa=approved,
            requirement=row.requirement,
            check_code="no_implementing_control",
            reason="x",
        )
    row.refresh_from_db()
    assert row.justification != "changed"


def test_approval_by_the_author_is_refused(db, officer):
    version = SoaFactory(library=True, state="in_review", actor=officer)
    with pytest.raises(ValidationError, match="Nobody approves their own work"):
        services.soa_approve(actor=officer, soa=version)
    version.refresh_from_db()
    assert version.status == ApprovalStatus.IN_REVIEW


def test_someone_who_edited_a_row_cannot_approve(db, officer):
    editor = make_approver()
    version = SoaFactory(library=True, actor=officer)
    decide_all(version, actor=officer)
    row = version.rows.first()
    services.soa_row_update(actor=editor, row=row, justification="Edited by top management.")
    version = services.soa_submit(actor=officer, soa=version)
    assert not can_review(editor, version)
    with pytest.raises(ValidationError, match="changed the content"):
        services.soa_approve(actor=editor, soa=version)
    from aims.services.approval import reviewable_by

    assert not reviewable_by(StatementOfApplicability.objects.all(), editor).exists()
    assert reviewable_by(StatementOfApplicability.objects.all(), make_approver()).exists()


def test_an_undecided_row_blocks_submission(db, officer):
    version = SoaFactory(library=True, actor=officer)
    with pytest.raises(ValidationError, match="Decide whether each control applies"):
        services.soa_submit(actor=officer, soa=version)
    assert StatementOfApplicability.objects.get().status == ApprovalStatus.DRAFT


def test_add_and_remove_a_control_of_another_source(db, officer):
    version = SoaFactory(library=True, actor=officer)
    other = RequirementFactory()
    row = services.soa_row_add(
        actor=officer,
        soa=version,
        requirement=other,
        applicable=True,
        justification_type="legal",
        justification="Required by contract.",
    )
    assert version.rows.count() == 39 and records_of(row) == 1
    with pytest.raises(ValidationError, match="has a row in this version already"):
        services.soa_row_add(actor=officer, soa=version, requirement=other, applicable=True)
    with pytest.raises(ValidationError, match="Annex A controls have their rows"):
        services.soa_row_add(actor=officer, soa=version, requirement=annex("A.2.2"))
    with pytest.raises(ValidationError, match="cannot be removed"):
        services.soa_row_remove(actor=officer, row=version.rows.get(requirement=annex("A.2.2")))
    pk = row.pk
    services.soa_row_remove(actor=officer, row=row)
    assert version.rows.count() == 38
    deleted = ChangeRecord.objects.get(object_id=str(pk), action="delete")
    assert deleted.before["soa_id"] == version.pk


def test_waive_needs_a_reason_and_is_recorded(db, officer):
    version = SoaFactory(library=True, actor=officer)
    requirement = annex("A.2.2")
    with pytest.raises(ValidationError) as error:
        services.soa_check_waive(
            actor=officer,
            soa=version,
            requirement=requirement,
            check_code="no_implementing_control",
            reason=" ",
        )
    assert "reason" in error.value.message_dict and not SoaCheckWaiver.objects.exists()
    with pytest.raises(ValidationError) as error:
        services.soa_check_waive(
            actor=officer, soa=version, requirement=requirement, check_code="nope", reason="x"
        )
    assert "check_code" in error.value.message_dict
    waiver = services.soa_check_waive(
        actor=officer,
        soa=version,
        requirement=requirement,
        check_code="no_implementing_control",
        reason="The policy is the measure itself.",
    )
    assert records_of(waiver) == 1 and waiver.waived_by == officer
    with pytest.raises(ValidationError, match="waived already"):
        services.soa_check_waive(
            actor=officer,
            soa=version,
            requirement=requirement,
            check_code="no_implementing_control",
            reason="again",
        )
    services.soa_check_unwaive(actor=officer, waiver=waiver)
    assert not SoaCheckWaiver.objects.exists()


@pytest.mark.parametrize("state", ["draft", "in_review", "approved"])
def test_the_factory_reaches_each_state_through_the_workflow(db, officer, state):
    version = SoaFactory(state=state, actor=officer)
    assert version.status == state and version.author == officer
    actions = set(
        ChangeRecord.objects.filter(
            content_type__model="statementofapplicability", object_id=str(version.pk)
        ).values_list("action", flat=True)
    )
    expected = {"draft": {"create"}, "in_review": {"create", "submit"}}
    assert actions == expected.get(state, {"create", "submit", "approve"})


def test_row_factory_adds_a_row_of_another_source(db):
    row = ApplicabilityStatementFactory()
    assert row.applicable is True and row.soa.rows.count() == 1


def test_working_and_in_effect_versions(db, officer):
    assert soa_working(None) is None and soa_in_effect(__import__("datetime").date.today()) is None
    approved = SoaFactory(library=True, state="approved", actor=officer)
    from django.utils import timezone

    today = timezone.localdate()
    assert soa_working(officer) == approved
    assert soa_in_effect(today) == approved
    draft = services.soa_new_version(actor=officer, soa=approved)
    assert soa_working(officer) == draft
    assert soa_in_effect(today) == approved
    assert soa_in_effect(today - __import__("datetime").timedelta(days=1)) is None
