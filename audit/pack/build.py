"""Builds an evidence pack's ZIP into the report job's output file (``render`` of the
``evidence_pack`` report kind): the sections, the evidence versions effective in the period,
the change log of the period, the README and index pages, the standalone verifier,
``manifest.json`` and ``SHA256SUMS``. Every file is streamed into the ZIP (``PackWriter``), so
memory does not grow with the evidence."""

from __future__ import annotations

from importlib import metadata
from pathlib import Path
from typing import IO, Any

from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string
from django.utils import timezone, translation

from aims import changelog_export
from aims.models import ChangeRecord, ReportJob
from aims.people import person_name
from aims.services.reports import report_job_progress
from audit.choices import PackPreset, PackSection
from audit.models import EvidencePack
from audit.pack import verify
from audit.pack.sections import FOLDERS, SECTIONS, Build, _safe
from audit.pack.writer import PackWriter
from controls.choices import EvidenceReview
from controls.models import Control, Evidence, EvidenceVersion

FORMAT_VERSION = "1"
#: Seconds between two progress updates of the job's row.
PROGRESS_EVERY = 1.0


def generator() -> str:
    try:
        return f"aims-platform {metadata.version('aims-platform')}"
    except metadata.PackageNotFoundError:
        return "aims-platform (development)"


# --- which evidence versions --------------------------------------------------------------------
def evidence_versions(build: Build) -> QuerySet[EvidenceVersion]:
    """For each piece of evidence the requester sees (in the pack's AI systems), the version
    effective in the period: among the versions uploaded by the period end (a version
    uploaded later is never taken, even if it describes the period) whose described period
    reaches into it (from on or before the period end; until on or after its start, or open),
    the last uploaded. Rejected versions are left out."""
    evidence = build.rows(Evidence.objects.all()).values("pk")
    return (
        EvidenceVersion.objects.filter(
            evidence__in=evidence, created_at__lte=build.end, effective_from__lte=build.period_to
        )
        .filter(Q(effective_until__isnull=True) | Q(effective_until__gte=build.period_from))
        .exclude(review_status=EvidenceReview.REJECTED)
        .order_by("evidence_id", "-created_at", "-number")
        .distinct("evidence_id")
        .select_related("evidence", "uploaded_by", "reviewed_by")
        .prefetch_related(
            Prefetch(
                "evidence__controls",
                queryset=Control.objects.prefetch_related("requirements").order_by("code"),
            ),
            "evidence__clause_assessments__requirement",
        )
    )


def evidence_folder(evidence: Evidence) -> str:
    """``evidence/<folder>``: the first Annex A control (or clause) the evidence supports,
    through its controls (their requirements, else their code) or clause assessments."""
    refs = sorted(r.ref_id for c in evidence.controls.all() for r in c.requirements.all())
    if refs:
        return _safe(refs[0])
    codes = [c.code for c in evidence.controls.all() if c.code]
    if codes:
        return _safe(codes[0])
    clauses = sorted(a.requirement.ref_id for a in evidence.clause_assessments.all())
    return _safe(clauses[0]) if clauses else "organisation"


def _extension(version: EvidenceVersion) -> str:
    if not version.file:
        return "url"
    suffix = Path(version.file_name or version.file.name).suffix.lstrip(".").lower()
    return _safe(suffix)[:10] or "bin"


def add_evidence(build: Build, versions: list[EvidenceVersion]) -> None:
    base = FOLDERS[PackSection.EVIDENCE]
    for version in versions:
        evidence = version.evidence
        path = (
            f"{base}/{evidence_folder(evidence)}/{evidence.pk}/"
            f"{version.number}.{_extension(version)}"
        )
        meta: dict[str, Any] = {
            "source": {
                "type": EvidenceVersion._meta.label_lower,
                "id": version.pk,
                "version": version.number,
                "evidence": evidence.pk,
                "title": evidence.title,
                "file_name": version.file_name or None,
            },
            "effective": {
                "from": version.effective_from.isoformat(),
                "until": version.effective_until.isoformat() if version.effective_until else None,
                "valid_until": version.valid_until.isoformat() if version.valid_until else None,
            },
            "uploaded": {
                "by": version.uploaded_by.get_username() if version.uploaded_by else None,
                "at": version.created_at.isoformat(),
            },
            "approval": {
                "status": version.review_status,
                "by": version.reviewed_by.get_username() if version.reviewed_by else None,
                "at": version.reviewed_at.isoformat() if version.reviewed_at else None,
            },
            "controls": [c.code for c in evidence.controls.all()],
        }
        if not version.file:
            shortcut = f"[InternetShortcut]\r\nURL={version.url}\r\n"
            build.writer.add_text(path, shortcut, content_type="text/plain", **meta)
            continue
        try:
            source = version.file.open("rb")
        except OSError:  # gone from the storage: said in the manifest, not a failed pack
            build.missing.append({"path": path, **meta})
            continue
        with source:
            entry = build.writer.add(
                path,
                source,
                content_type=version.content_type or "application/octet-stream",
                **meta,
            )
        if version.file_sha256 and entry["sha256"] != version.file_sha256:
            # The stored file no longer matches the digest recorded at upload: say so.
            entry["recorded_sha256"] = version.file_sha256


# --- the change log of the period ---------------------------------------------------------------
def add_change_log(build: Build) -> dict[str, Any]:
    """The period's change log as JSON Lines (``aims.changelog_export``: a first line with the
    anchor, the hash of the record before the first, then one record a line), as the requester
    reads it; returns the anchors for the manifest."""
    from aims.scope import restrict

    period = ChangeRecord.objects.filter(timestamp__gte=build.start, timestamp__lte=build.end)
    records = restrict(period, build.user)
    last = records.order_by("-id").values("id", "record_hash").first()
    if last is not None:  # records written while the pack is built stay out
        records = records.filter(id__lte=last["id"])
    header = {
        "export": "aims-change-log",
        "exported_at": timezone.now().isoformat(),
        "period": {"from": build.period_from.isoformat(), "to": build.period_to.isoformat()},
        "hash": "sha256 of canonical JSON of the record's fields (sorted keys, no spaces)",
    }
    anchor = changelog_export.anchor_of(records)
    path = f"{FOLDERS[PackSection.CHANGE_LOG]}/change-log.jsonl"
    build.writer.add_lines(
        path,
        changelog_export.export_lines(records, "jsonl", header=header),
        content_type=changelog_export.CONTENT_TYPES["jsonl"],
        source={"type": ChangeRecord._meta.label_lower},
    )
    return {"path": path, "previous": anchor, "last": last}


# --- the pack -----------------------------------------------------------------------------------
def _describe(pack: EvidencePack, systems: list[Any]) -> dict[str, Any]:
    job = pack.job
    return {
        "format_version": FORMAT_VERSION,
        "generator": generator(),
        "pack": pack.pk,
        "report_job": job.pk,
        "built_at": timezone.now().isoformat(),
        "requested_by": job.requested_by.get_username(),
        "language": job.language,
        "period": {"from": pack.period_from.isoformat(), "to": pack.period_to.isoformat()},
        "preset": pack.preset,
        "sections": list(pack.sections),
        "scope": {
            "all_ai_systems": pack.all_systems,
            "ai_systems": [{"id": s.pk, "name": s.name} for s in systems],
        },
        "audit": {"id": pack.audit_id, "title": str(pack.audit)} if pack.audit_id else None,
    }


def _pages(
    pack: EvidencePack, writer: PackWriter, about: dict[str, Any], systems: list[Any]
) -> None:
    from aims.models import Organization

    organisation = Organization.objects.order_by("pk").first()
    context = {
        "pack": pack,
        "about": about,
        "organisation": organisation,
        "systems": systems,
        "requester": person_name(pack.job.requested_by),
        "preset_label": dict(PackPreset.choices).get(pack.preset, pack.preset),
    }
    for language in ("ja", "en"):
        with translation.override(language):
            html = render_to_string("audit/pack/readme.html", {**context, "lang": language})
        writer.add_text(f"README.{language}.html", html, content_type="text/html")
    files = sorted(writer.entries, key=lambda e: e["path"])
    with translation.override(pack.job.language):
        html = render_to_string("audit/pack/index.html", {**context, "files": files})
    writer.add_text("index.html", html, content_type="text/html")


def build_pack(pack: EvidencePack, out: IO[bytes]) -> dict[str, Any]:
    """Write ``pack`` as a ZIP to ``out``, as its requester sees the records; returns the
    manifest."""
    job: ReportJob = pack.job

    def progress(done: int) -> None:
        report_job_progress(job=job, done=done, total=total)

    total: int | None = None
    writer = PackWriter(out, progress=progress, every=PROGRESS_EVERY)
    system_ids = None if pack.all_systems else sorted(pack.ai_systems.values_list("pk", flat=True))
    build = Build(
        user=job.requested_by,
        period_from=pack.period_from,
        period_to=pack.period_to,
        system_ids=system_ids,
        language=job.language,
        writer=writer,
    )
    from aims.models import AISystem

    systems = list(build.rows(AISystem.objects.all()).order_by("name", "pk"))
    if system_ids is not None:
        systems = [s for s in systems if s.pk in set(system_ids)]
    try:
        about = _describe(pack, systems)
        for code, section in SECTIONS.items():
            if code in pack.sections:
                section(build)
        versions = list(evidence_versions(build)) if PackSection.EVIDENCE in pack.sections else []
        total = len(writer.entries) + len(versions) + 5
        progress(len(writer.entries))
        add_evidence(build, versions)
        about["missing"] = build.missing
        if PackSection.CHANGE_LOG in pack.sections:
            about["change_log"] = add_change_log(build)
        writer.add_text(
            "verify.py", Path(verify.__file__).read_text("utf-8"), content_type="text/x-python"
        )
        _pages(pack, writer, about, systems)
        manifest = {**about, "files": list(writer.entries)}
        writer.add_json(verify.MANIFEST, manifest)
        sums = "".join(f"{e['sha256']}  {e['path']}\n" for e in writer.entries)
        writer.add_text(verify.SUMS, sums, content_type="text/plain")
    finally:
        writer.close()
    report_job_progress(job=job, done=total, total=total)
    return manifest


def render(job: ReportJob, out: IO[bytes]) -> None:
    """The ``evidence_pack`` report kind's renderer."""
    from audit.services.packs import evidence_pack_of_job

    build_pack(evidence_pack_of_job(job), out)
