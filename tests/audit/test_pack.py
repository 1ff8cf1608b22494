"""Evidence packs (issue 14, items 1–5): requested with a scope, period and preset, built by
the report-job machinery into a ZIP with a manifest, the evidence effective in the period and
the change log of the period anchored to the live log; verified offline; read only by whom
DESIGN §5 names."""

from __future__ import annotations

import datetime
import io
import json
import subprocess
import sys
import zipfile
from pathlib import Path
from typing import Any

import pytest
import time_machine
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.urls import reverse
from django.utils import timezone

from aims.changelog import change_record
from aims.choices import ReportStatus
from aims.models import ChangeRecord, ReportJob
from aims.services.reports import report_job_render
from audit.models import EvidencePack
from audit.pack.verify import verify
from audit.services.packs import evidence_pack_create
from tests.factories import AISystemFactory
from tests.factories.audit import AuditFactory, AuditorAccessFactory
from tests.factories.evidence import EvidenceFactory, EvidenceVersionFactory

PERIOD = {"period_from": "2026-01-01", "period_to": "2026-03-31"}


def request(user: Any, **parameters: Any) -> EvidencePack:
    return evidence_pack_create(
        actor=user, language="en", parameters={**PERIOD, "preset": "stage2", **parameters}
    )


def built(user: Any, **parameters: Any) -> EvidencePack:
    """A pack requested and built here (the worker's part, in this process)."""
    pack = request(user, **parameters)
    job = report_job_render(job_id=pack.job_id)
    assert job is not None and job.status == ReportStatus.DONE, job and job.error
    pack.refresh_from_db()
    return pack


def pack_file(pack: EvidencePack, into: Path) -> Path:
    path = into / f"pack-{pack.pk}.zip"
    with pack.job.file.open("rb") as stream:
        path.write_bytes(stream.read())
    return path


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as archive:
        return {name: archive.read(name) for name in archive.namelist()}


def manifest_of(path: Path) -> dict[str, Any]:
    return json.loads(members(path)["manifest.json"])


def one_byte_changed(path: Path, name: str, into: Path) -> Path:
    """A copy of the pack with one byte of ``name`` changed."""
    changed = into / "tampered.zip"
    with zipfile.ZipFile(path) as source, zipfile.ZipFile(changed, "w") as target:
        for info in source.infolist():
            data = source.read(info.filename)
            if info.filename == name:
                data = bytes([data[0] ^ 0x01]) + data[1:]
            target.writestr(info, data)
    return changed


# --- Done when: the demo's stage-2 pack builds in a real worker and verifies -------------------
@pytest.mark.django_db(transaction=True)
def test_the_demo_stage2_pack_builds_in_a_real_worker_and_verifies(
    settings, tmp_path, api_client_for
):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group

    from aims.choices import Role
    from risk.defaults import create_shipped_matrices
    from risk.models import RiskCriteria, RiskMatrix
    from tests.celery_worker import running_worker, wait_until

    settings.DEMO_PASSWORD = "demo-password-for-tests"
    # The role groups and the shipped matrices come from migrations, which an earlier
    # transactional test's flush emptied.
    for role in Role.values:
        Group.objects.get_or_create(name=role)
    if not RiskMatrix.objects.exists():
        create_shipped_matrices(RiskMatrix, RiskCriteria)
    call_command("load_library", verbosity=0)
    call_command("load_demo", stdout=io.StringIO())
    officer = get_user_model().objects.get(username="officer")
    today = timezone.localdate()
    client = api_client_for(officer)
    with running_worker():
        response = client.post(
            "/api/v1/evidence-packs/",
            {
                "period_from": (today - datetime.timedelta(days=365)).isoformat(),
                "period_to": today.isoformat(),
                "preset": "stage2",
                "language": "ja",
            },
            format="json",
        )
        assert response.status_code == 202, response.content
        pk = response.json()["id"]

        def finished() -> bool:
            return EvidencePack.objects.get(pk=pk).job.finished

        assert wait_until(finished, timeout=120)
    pack = EvidencePack.objects.select_related("job").get(pk=pk)
    job = pack.job
    assert job.status == ReportStatus.DONE, job.error
    assert job.format == "zip" and job.content_type == "application/zip"
    assert job.progress_total and job.progress_done == job.progress_total
    path = pack_file(pack, tmp_path)
    names = set(members(path))
    # Every clause's section, the README in both languages, the index and the verifier.
    for expected in (
        "README.ja.html",
        "README.en.html",
        "index.html",
        "manifest.json",
        "SHA256SUMS",
        "verify.py",
        "4-context/ai-systems-in-scope.jsonl",
        "6-planning/soa-v1.pdf",
        "6-planning/soa-v1.xlsx",
        "6-planning/risk-register.xlsx",
        "7-support/documents.jsonl",
        "7-support/competence-roles.jsonl",
        "7-support/competence-records.jsonl",
        "9-evaluation/audits.jsonl",
        "10-improvement/nonconformities.jsonl",
        "change-log/change-log.jsonl",
    ):
        assert expected in names, expected
    evidence = sorted(n for n in names if n.startswith("evidence/"))
    assert evidence, "the demo's evidence is in the pack"
    competence = members(path)["7-support/competence-records.jsonl"].decode().splitlines()
    assert len(competence) >= 2, "the demo's competence records (7.2) are in the pack"
    manifest = manifest_of(path)
    assert manifest["preset"] == "stage2" and manifest["period"]["to"] == today.isoformat()
    listed = {entry["path"]: entry for entry in manifest["files"]}
    assert set(listed) == names - {"manifest.json", "SHA256SUMS"}
    first = listed[evidence[0]]
    assert first["source"]["type"] == "controls.evidenceversion"
    assert first["effective"]["from"] and "approval" in first and first["sha256"]
    # The index links every file with a relative link.
    index = members(path)["index.html"].decode()
    assert [n for n in listed if f'href="{n}"' not in index] == ["index.html"]
    # The pack's own SHA-256 is in the change log.
    record = ChangeRecord.objects.filter(object_id=str(pack.pk), action="update").get(
        content_type__model="evidencepack"
    )
    assert record.after["file_sha256"] == job.file_sha256
    # verify_evidence_pack passes …
    out = io.StringIO()
    call_command("verify_evidence_pack", str(path), stdout=out)
    assert f"OK: {len(listed)} files match the manifest." in out.getvalue()
    # … and fails naming the file after one byte of it changed.
    tampered = one_byte_changed(path, evidence[0], tmp_path)
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_evidence_pack", str(tampered), stdout=out)
    assert failure.value.returncode == 1
    assert f"CHANGED  {evidence[0]}" in out.getvalue()
    assert out.getvalue().count("CHANGED") == 1


def test_the_verifier_shipped_in_the_pack_runs_with_the_standard_library_only(officer, tmp_path):
    pack = built(officer, preset="custom", sections=["context", "change_log"])
    path = pack_file(pack, tmp_path)
    folder = tmp_path / "unzipped"
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    script = folder / "verify.py"
    # -I -S: no site-packages, no environment: only what the auditor's Python has.
    isolated = [sys.executable, "-I", "-S", str(script)]
    ran = subprocess.run([*isolated, str(path)], capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    assert ran.stdout.startswith("OK:")
    ran = subprocess.run([*isolated, str(folder)], capture_output=True, text=True, check=False)
    assert ran.returncode == 0, ran.stdout + ran.stderr
    # An extra file, a missing one and a changed one are each named.
    (folder / "4-context" / "extra.txt").write_text("added")
    (folder / "4-context" / "business-units.jsonl").unlink()
    (folder / "README.en.html").write_text("changed")
    ran = subprocess.run([*isolated, str(folder)], capture_output=True, text=True, check=False)
    assert ran.returncode == 1
    assert "EXTRA    4-context/extra.txt" in ran.stdout
    assert "MISSING  4-context/business-units.jsonl" in ran.stdout
    assert "CHANGED  README.en.html" in ran.stdout


def test_a_changed_manifest_is_caught_by_the_sums(officer, tmp_path):
    path = pack_file(built(officer, preset="custom", sections=["context"]), tmp_path)
    result = verify(str(one_byte_changed(path, "manifest.json", tmp_path)))
    assert not result.ok


def test_an_unreadable_pack_is_an_error_not_a_traceback(tmp_path):
    broken = tmp_path / "broken.zip"
    broken.write_bytes(b"not a zip")
    result = verify(str(broken))
    assert result.errors and not result.ok
    out = io.StringIO()
    with pytest.raises(CommandError) as failure:
        call_command("verify_evidence_pack", str(broken), stdout=out)
    assert failure.value.returncode == 2


# --- Done when: the version effective in the period, never one uploaded after it --------------
def test_the_version_effective_in_the_period_is_packed_not_the_one_that_replaced_it(
    officer, tmp_path
):
    system = AISystemFactory()
    with time_machine.travel(datetime.datetime(2026, 2, 1, 10, tzinfo=datetime.UTC)):
        evidence = EvidenceFactory(ai_systems=[system], effective_from=datetime.date(2026, 1, 1))
        effective = evidence.current_version
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC)):
        # Uploaded after the period end, though it describes part of the period.
        later = EvidenceVersionFactory(evidence=evidence, effective_from=datetime.date(2026, 2, 15))
    with time_machine.travel(datetime.datetime(2026, 2, 10, 10, tzinfo=datetime.UTC)):
        # Describes only the time before the period: not effective in it.
        before = EvidenceFactory(
            ai_systems=[system], effective_from=datetime.date(2025, 1, 1), with_version=False
        )
        EvidenceVersionFactory(
            evidence=before,
            effective_from=datetime.date(2025, 1, 1),
            effective_until=datetime.date(2025, 12, 31),
        )
    evidence.refresh_from_db()
    assert evidence.current_version == later
    path = pack_file(built(officer, preset="custom", sections=["evidence"]), tmp_path)
    files = members(path)
    packed = [n for n in files if n.startswith("evidence/")]
    assert packed == [f"evidence/organisation/{evidence.pk}/{effective.number}.pdf"]
    entry = next(e for e in manifest_of(path)["files"] if e["path"] == packed[0])
    assert entry["source"]["id"] == effective.pk and entry["sha256"] == effective.file_sha256
    assert entry["effective"]["from"] == "2026-01-01"
    assert entry["uploaded"]["at"].startswith("2026-02-01")


def test_registers_hold_each_record_as_it_stood_at_the_period_end(officer, tmp_path):
    """The risk register of the period is the risks as they stood at its end (the state
    their last change record by then holds), not as they were changed since; a risk made
    after the period is not in it."""
    from risk.services.register import risk_create, risk_update

    with time_machine.travel(datetime.datetime(2026, 2, 1, 10, tzinfo=datetime.UTC)):
        risk = risk_create(
            actor=officer, title="学習データの偏り", inherent_likelihood=3, inherent_impact=3
        )
    with time_machine.travel(datetime.datetime(2026, 3, 10, 10, tzinfo=datetime.UTC)):
        risk_update(actor=officer, risk=risk, title="学習データの偏り（更新）")
    with time_machine.travel(datetime.datetime(2026, 5, 1, 10, tzinfo=datetime.UTC)):
        risk_update(actor=officer, risk=risk, title="期間後の題名")
        risk_create(actor=officer, title="期間後のリスク", inherent_likelihood=1, inherent_impact=1)
    path = pack_file(built(officer, preset="custom", sections=["planning"]), tmp_path)
    lines = members(path)["6-planning/risk-register-as-at-period-end.jsonl"].decode()
    states = [json.loads(line) for line in lines.splitlines()]
    assert [(s["title"], s["_state"]) for s in states] == [
        ("学習データの偏り（更新）", "as_at_period_end")
    ]


def test_evidence_goes_under_its_annex_a_control(officer, tmp_path):
    from tests.factories import RequirementFactory
    from tests.factories.controls import ControlFactory

    requirement = RequirementFactory(ref_id="A.6.2.4")
    control = ControlFactory(ai_systems=[], requirement_links=[(requirement, "")])
    with time_machine.travel(datetime.datetime(2026, 1, 10, tzinfo=datetime.UTC)):
        evidence = EvidenceFactory(ai_systems=[], links=[control])
    path = pack_file(built(officer, preset="custom", sections=["evidence"]), tmp_path)
    assert f"evidence/A.6.2.4/{evidence.pk}/1.pdf" in members(path)


# --- Done when: the change-log extract links to the live log -----------------------------------
def test_the_change_log_extract_is_anchored_to_the_live_log(officer, tmp_path):
    system = AISystemFactory()
    with time_machine.travel(datetime.datetime(2025, 12, 20, tzinfo=datetime.UTC)):
        change_record(actor=officer, action="update", obj=system)
    with time_machine.travel(datetime.datetime(2026, 2, 1, tzinfo=datetime.UTC)):
        change_record(actor=officer, action="update", obj=system)
        change_record(actor=officer, action="update", obj=system)
    with time_machine.travel(datetime.datetime(2026, 4, 20, tzinfo=datetime.UTC)):
        change_record(actor=officer, action="update", obj=system)
    path = pack_file(built(officer, preset="custom", sections=["change_log"]), tmp_path)
    lines = members(path)["change-log/change-log.jsonl"].decode().splitlines()
    head, records = json.loads(lines[0]), [json.loads(line) for line in lines[1:]]
    assert [r["timestamp"][:10] for r in records] == ["2026-02-01", "2026-02-01"]
    live_before = ChangeRecord.objects.filter(id__lt=records[0]["id"]).order_by("-id").first()
    assert live_before.timestamp.date() == datetime.date(2025, 12, 20)
    assert records[0]["previous_hash"] == live_before.record_hash
    assert head["anchor"] == {"id": live_before.pk, "record_hash": live_before.record_hash}
    assert records[1]["previous_hash"] == records[0]["record_hash"]
    anchors = manifest_of(path)["change_log"]
    assert anchors["previous"]["record_hash"] == live_before.record_hash
    assert anchors["last"] == {"id": records[-1]["id"], "record_hash": records[-1]["record_hash"]}


# --- Requests: presets, sections, bad input ---------------------------------------------------
def test_a_request_is_logged_with_its_scope_and_preset(officer):
    system = AISystemFactory()
    pack = request(officer, ai_systems=[str(system.pk)], preset="stage1")
    assert not pack.all_systems and list(pack.ai_systems.all()) == [system]
    assert pack.sections == ["context", "leadership", "planning", "support"]
    assert pack.job.kind == "evidence_pack" and pack.job.format == "zip"
    record = ChangeRecord.objects.get(content_type__model="evidencepack", action="create")
    assert record.after["preset"] == "stage1" and record.after["ai_systems"] == [system.pk]


def test_custom_sections_are_kept_in_the_order_of_the_clauses(officer):
    pack = request(officer, preset="custom", sections=["improvement", "context"])
    assert pack.sections == ["context", "improvement"]


@pytest.mark.parametrize(
    ("parameters", "field", "message"),
    [
        ({"period_from": "2026-04-01", "period_to": "2026-03-31"}, "period_to", "on or after"),
        ({"period_from": "2026-13-01"}, "period_from", "YYYY-MM-DD"),
        ({"period_to": ""}, "period_to", "required"),
        ({"preset": "stage3"}, "preset", "stage1"),
        ({"preset": "custom", "sections": ["context", "annex_z"]}, "sections", "annex_z"),
        ({"preset": "custom"}, "sections", "at least one"),
        ({"preset": "stage2", "sections": ["context"]}, "sections", "custom"),
        ({"ai_systems": ["abc"]}, "ai_systems", "ids"),
        ({"audit": "99999"}, "audit", "99999"),
        ({"colour": "red"}, "colour", "Unknown"),
    ],
)
def test_bad_input_is_refused_and_nothing_is_created(officer, parameters, field, message):
    with pytest.raises(ValidationError) as refused:
        request(officer, **parameters)
    assert message in " ".join(refused.value.message_dict[field])
    assert not EvidencePack.objects.exists() and not ReportJob.objects.exists()
    assert not ChangeRecord.objects.filter(content_type__model="evidencepack").exists()


def test_an_operator_may_not_pack_a_system_or_audit_they_do_not_see(operator):
    granted = AISystemFactory(granted_to=[operator])
    other = AISystemFactory()
    audit = AuditFactory()
    with pytest.raises(ValidationError) as refused:
        request(operator, ai_systems=[str(granted.pk), str(other.pk)], audit=str(audit.pk))
    errors = refused.value.message_dict
    message = errors["ai_systems"][0]
    assert str(other.pk) in message and str(granted.pk) not in message
    assert "audit" in errors
    assert not EvidencePack.objects.exists()


def test_the_api_refuses_bad_input_with_a_clear_error(officer, api_client_for):
    client = api_client_for(officer)
    answer = client.post(
        "/api/v1/evidence-packs/",
        {"period_from": "2026-04-01", "period_to": "2026-03-01", "preset": "stage2"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400
    assert "period_to" in json.dumps(answer.json())
    answer = client.post(
        "/api/v1/evidence-packs/",
        {**PERIOD, "preset": "nope"},
        format="json",
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400 and "preset" in json.dumps(answer.json())
    assert not EvidencePack.objects.exists() and not ReportJob.objects.exists()


# --- Who builds and reads packs --------------------------------------------------------------
def test_an_operators_pack_holds_only_their_granted_systems(operator, tmp_path):
    with time_machine.travel(datetime.datetime(2025, 12, 1, tzinfo=datetime.UTC)):
        granted = AISystemFactory(granted_to=[operator])
        AISystemFactory()
    path = pack_file(built(operator, preset="custom", sections=["context"]), tmp_path)
    lines = members(path)["4-context/ai-systems-in-scope.jsonl"].decode().splitlines()
    assert [json.loads(line)["id"] for line in lines] == [granted.pk]


def test_a_pack_of_chosen_systems_leaves_the_others_out(officer, tmp_path):
    chosen, other = AISystemFactory(), AISystemFactory()
    with time_machine.travel(datetime.datetime(2026, 1, 10, tzinfo=datetime.UTC)):
        kept = EvidenceFactory(ai_systems=[chosen])
        EvidenceFactory(ai_systems=[other])
        organisation = EvidenceFactory(ai_systems=[])
    pack = built(
        officer, ai_systems=[str(chosen.pk)], preset="custom", sections=["context", "evidence"]
    )
    path = pack_file(pack, tmp_path)
    files = members(path)
    packed = sorted(int(n.split("/")[2]) for n in files if n.startswith("evidence/"))
    assert packed == sorted([kept.pk, organisation.pk])
    manifest = manifest_of(path)
    assert manifest["scope"] == {
        "all_ai_systems": False,
        "ai_systems": [{"id": chosen.pk, "name": chosen.name}],
    }


def test_who_reads_which_pack(officer, executive, operator, viewer, client_for):
    own = request(operator)
    officers = request(officer)
    assert client_for(viewer).get(reverse("evidence_packs")).status_code == 403
    assert client_for(operator).get(own.get_absolute_url()).status_code == 200
    assert client_for(operator).get(officers.get_absolute_url()).status_code == 404
    # A pack built with the full view is open to the others who see everything.
    assert officers.job.shared
    assert client_for(executive).get(officers.get_absolute_url()).status_code == 200
    assert client_for(executive).get(own.get_absolute_url()).status_code == 404


def test_an_external_auditor_reads_the_packs_of_their_audit_during_its_window(
    officer, external_auditor, api_client_for
):
    system = AISystemFactory()
    audit = AuditFactory(ai_systems=[system])
    access = AuditorAccessFactory(audit=audit, user=external_auditor, days=2)
    for_audit = request(officer, audit=str(audit.pk))
    other = request(officer)
    # Their own request must name the audit.
    with pytest.raises(ValidationError) as refused:
        request(external_auditor)
    assert "audit" in refused.value.message_dict
    theirs = request(external_auditor, audit=str(audit.pk))
    client = api_client_for(external_auditor)
    listed = client.get("/api/v1/evidence-packs/").json()["results"]
    assert sorted(p["id"] for p in listed) == sorted([for_audit.pk, theirs.pk])
    assert client.get(f"/api/v1/evidence-packs/{other.pk}/").status_code == 404
    with time_machine.travel(access.access_until + datetime.timedelta(minutes=1)):
        assert client.get(f"/api/v1/evidence-packs/{for_audit.pk}/").status_code == 404
        assert client.get("/api/v1/evidence-packs/").json()["results"] == []


def test_the_download_serves_the_zip_to_who_reads_the_pack(officer, operator, client_for):
    pack = built(officer, preset="custom", sections=["context"])
    url = reverse("evidence_pack_download", args=[pack.pk])
    answer = client_for(officer).get(url)
    assert answer.status_code == 200 and answer["Content-Type"] == "application/zip"
    assert "attachment" in answer["Content-Disposition"]
    body = b"".join(answer.streaming_content)
    assert zipfile.ZipFile(io.BytesIO(body)).testzip() is None
    assert client_for(operator).get(url).status_code == 404
    api = f"/api/v1/evidence-packs/{pack.pk}/download/"
    from tests.conftest import logged_in_api_client

    assert logged_in_api_client(officer).get(api).status_code == 200


# --- Pages ---------------------------------------------------------------------------------
def test_the_form_requests_a_pack_and_shows_it(officer, client_for):
    system = AISystemFactory()
    client = client_for(officer)
    page = client.get(reverse("evidence_pack_create"), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and system.name in page.content.decode()
    answer = client.post(
        reverse("evidence_pack_create"),
        {**PERIOD, "preset": "surveillance", "language": "en", "ai_systems": [system.pk]},
    )
    pack = EvidencePack.objects.get()
    assert answer.status_code == 302 and answer["Location"] == pack.get_absolute_url()
    assert pack.preset == "surveillance" and list(pack.ai_systems.all()) == [system]


def test_the_form_shows_the_services_refusal_and_creates_nothing(officer, client_for):
    answer = client_for(officer).post(
        reverse("evidence_pack_create"),
        {**PERIOD, "preset": "custom", "language": "en"},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.status_code == 400
    assert "Choose at least one section." in answer.content.decode()
    assert not EvidencePack.objects.exists()


def test_the_pack_page_shows_the_progress_and_polls_while_building(officer, client_for):
    pack = request(officer)
    ReportJob.objects.filter(pk=pack.job_id).update(
        status=ReportStatus.RUNNING, progress_done=3, progress_total=10
    )
    client = client_for(officer)
    page = client.get(pack.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "3 of 10 files written" in page and 'hx-trigger="every 2s"' in page
    partial = client.get(pack.get_absolute_url(), HTTP_HX_REQUEST="true")
    assert partial.content.decode().lstrip().startswith("<section")
    done = built(officer, preset="custom", sections=["context"])
    page = client.get(done.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert done.job.file_sha256 in page and 'hx-trigger="every 2s"' not in page


def test_the_pack_list_reads_in_a_fixed_number_of_queries(
    officer, client_for, api_client_for, django_assert_max_num_queries
):
    systems = [AISystemFactory(), AISystemFactory()]
    request(officer, ai_systems=[str(systems[0].pk)])
    page_client, api_client = client_for(officer), api_client_for(officer)
    ceiling = 14
    with django_assert_max_num_queries(ceiling):
        assert page_client.get(reverse("evidence_packs")).status_code == 200
    with django_assert_max_num_queries(ceiling):
        assert api_client.get("/api/v1/evidence-packs/").status_code == 200
    for _ in range(12):
        request(officer, ai_systems=[str(s.pk) for s in systems])
    with django_assert_max_num_queries(ceiling):
        assert page_client.get(reverse("evidence_packs")).status_code == 200
    with django_assert_max_num_queries(ceiling):
        assert api_client.get("/api/v1/evidence-packs/").status_code == 200


def test_a_pack_that_fails_to_build_says_so_without_details(officer, monkeypatch):
    from audit.pack import sections

    def broken(build: Any) -> None:
        raise RuntimeError("secret detail")

    monkeypatch.setitem(sections.SECTIONS, "context", broken)
    pack = request(officer, preset="custom", sections=["context"])
    job = report_job_render(job_id=pack.job_id)
    assert job.status == ReportStatus.FAILED and "secret" not in job.error
    assert not ChangeRecord.objects.filter(
        content_type__model="evidencepack", action="update"
    ).exists()


def test_an_evidence_file_gone_from_storage_is_listed_as_missing(officer, tmp_path):
    with time_machine.travel(datetime.datetime(2026, 1, 10, tzinfo=datetime.UTC)):
        evidence = EvidenceFactory(ai_systems=[])
    evidence.current_version.file.delete(save=False)
    path = pack_file(built(officer, preset="custom", sections=["evidence"]), tmp_path)
    manifest = manifest_of(path)
    assert [m["source"]["evidence"] for m in manifest["missing"]] == [evidence.pk]
    assert not [n for n in members(path) if n.startswith("evidence/")]
    assert evidence.title in members(path)["README.en.html"].decode()
    assert verify(str(path)).ok


def test_registers_of_chosen_systems_come_one_per_system(officer, tmp_path):
    chosen = AISystemFactory()
    pack = built(
        officer, ai_systems=[str(chosen.pk)], preset="custom", sections=["planning", "operation"]
    )
    files = members(pack_file(pack, tmp_path))
    assert f"6-planning/risk-register-ai-system-{chosen.pk}.xlsx" in files
    assert f"8-operation/control-register-ai-system-{chosen.pk}.xlsx" in files
    assert "6-planning/risk-register.xlsx" not in files


def test_a_link_from_an_audit_fills_in_the_form(auditor, viewer, client_for):
    system = AISystemFactory()
    audit = AuditFactory(ai_systems=[system])
    link = f'href="{reverse("evidence_pack_create")}?audit={audit.pk}"'
    assert link in client_for(auditor).get(reverse("audit", args=[audit.pk])).content.decode()
    assert link not in client_for(viewer).get(reverse("audit", args=[audit.pk])).content.decode()
    page = client_for(auditor).get(reverse("evidence_pack_create") + f"?audit={audit.pk}")
    form = page.context["form"]
    assert form.initial["audit"] == audit and form.initial["ai_systems"] == [system]
    assert form.initial["period_from"] == audit.period_start
    hidden = client_for(auditor).get(reverse("evidence_pack_create") + "?audit=99999")
    assert "audit" not in hidden.context["form"].initial


def test_a_pack_requested_through_the_generic_report_endpoint_is_described_when_built(
    officer, api_client_for
):
    answer = api_client_for(officer).post(
        "/api/v1/reports/",
        {"kind": "evidence_pack", "format": "zip", "language": "en", **PERIOD, "preset": "stage1"},
        format="json",
    )
    assert answer.status_code == 202, answer.content
    job = ReportJob.objects.get(pk=answer.json()["id"])
    assert not EvidencePack.objects.exists()
    job = report_job_render(job_id=job.pk)
    assert job.status == ReportStatus.DONE, job.error
    pack = EvidencePack.objects.get(job=job)
    assert pack.preset == "stage1" and pack.all_systems
    actions = ChangeRecord.objects.filter(content_type__model="evidencepack").values_list(
        "action", flat=True
    )
    assert sorted(actions) == ["create", "update"]


def test_packs_expire_like_report_files(officer, client_for, settings):
    from aims.services.reports import report_jobs_expire

    pack = built(officer, preset="custom", sections=["context"])
    later = timezone.now() + datetime.timedelta(days=settings.REPORT_RETENTION_DAYS + 1)
    assert report_jobs_expire(now=later) == 1
    pack.job.refresh_from_db()
    assert pack.job.status == ReportStatus.EXPIRED and not pack.job.file
    client = client_for(officer)
    assert client.get(reverse("evidence_pack_download", args=[pack.pk])).status_code == 404
    page = client.get(pack.get_absolute_url(), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "removed after the retention period" in page
