"""Evidence packs (issue 14): request one (validated, logged, queued as a report job of the
kind ``evidence_pack``), and record its SHA-256 in the change log once it is built.

The job machinery is the core's (``aims.services.reports``): the task, the sweeper that leaves
no job stuck, the retention, the file and its digest. A pack request is refused whole, with a
message per field, when any part of it is wrong; nothing is created then.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _

from aims.changelog import change_record
from aims.choices import Action, ReportFormat
from aims.models import AISystem, ReportJob
from aims.roles import Capability, has_capability
from aims.scope import restrict
from aims.services.reports import report_job_create
from audit.choices import PackPreset, PackSection
from audit.models import Audit, EvidencePack

KIND = "evidence_pack"
#: The parameters a pack request may carry.
FIELDS = ("ai_systems", "period_from", "period_to", "preset", "sections", "audit")
_ALL = tuple(PackSection.values)
#: The sections each preset holds: stage 1 reads the documented information, stage 2 and
#: surveillance also the records of operation and their evidence.
PRESET_SECTIONS: dict[str, tuple[str, ...]] = {
    PackPreset.STAGE1: (
        PackSection.CONTEXT,
        PackSection.LEADERSHIP,
        PackSection.PLANNING,
        PackSection.SUPPORT,
    ),
    PackPreset.STAGE2: _ALL,
    PackPreset.SURVEILLANCE: (
        PackSection.CONTEXT,
        PackSection.LEADERSHIP,
        PackSection.PLANNING,
        PackSection.OPERATION,
        PackSection.EVALUATION,
        PackSection.IMPROVEMENT,
        PackSection.EVIDENCE,
        PackSection.CHANGE_LOG,
    ),
}


def _values(raw: dict[str, Any], name: str) -> list[str]:
    value = raw.get(name)
    if value in (None, ""):
        return []
    items = value if isinstance(value, list) else str(value).split(",")
    return [str(item).strip() for item in items if str(item).strip()]


def _one(raw: dict[str, Any], name: str) -> str:
    values = _values(raw, name)
    return values[0] if len(values) == 1 else (",".join(values) if values else "")


def _date(raw: dict[str, Any], name: str, errors: dict[str, list[str]]) -> date | None:
    text = _one(raw, name)
    if not text:
        errors[name] = [_("This field is required.")]
        return None
    try:
        parsed = parse_date(text)
    except ValueError:
        parsed = None
    if parsed is None:
        errors[name] = [_("Enter a date as YYYY-MM-DD.")]
    return parsed


def evidence_pack_clean(user: Any, raw: dict[str, Any]) -> dict[str, Any]:
    """Validate a pack request for ``user`` (the ``evidence_pack`` kind's ``clean``).

    Raises ``ValidationError`` with a message per field: an unknown parameter, a missing or
    reversed period, an unknown preset or section, an AI system or audit the user may not see
    (said as "not found": a hidden row is never confirmed), and, for an external auditor, no
    audit (their pack is always the pack of one of their audits)."""
    errors: dict[str, list[str]] = {}
    for name in sorted(set(raw) - set(FIELDS)):
        errors[name] = [_("Unknown parameter.")]
    start = _date(raw, "period_from", errors)
    end = _date(raw, "period_to", errors)
    if start and end and start > end:
        errors["period_to"] = [_("The period must end on or after its start.")]
    preset = _one(raw, "preset")
    if preset not in PackPreset.values:
        errors["preset"] = [
            _("Choose one of: %(presets)s.") % {"presets": ", ".join(PackPreset.values)}
        ]
    sections = _values(raw, "sections")
    unknown = [code for code in sections if code not in PackSection.values]
    if unknown:
        errors["sections"] = [
            _("Unknown section(s): %(codes)s. Choose among: %(known)s.")
            % {"codes": ", ".join(c[:40] for c in unknown[:5]), "known": ", ".join(_ALL)}
        ]
    elif preset == PackPreset.CUSTOM and not sections:
        errors["sections"] = [_("Choose at least one section.")]
    elif preset in PRESET_SECTIONS and sections:
        errors["sections"] = [_("Sections are chosen only with the custom preset.")]
    systems = _values(raw, "ai_systems")
    system_ids: list[int] = []
    if systems:
        if not all(s.isdigit() and len(s) < 19 for s in systems):
            errors["ai_systems"] = [_("Give the ids of AI systems.")]
        else:
            wanted = sorted({int(s) for s in systems})
            seen = set(
                restrict(AISystem.objects.filter(pk__in=wanted), user).values_list("pk", flat=True)
            )
            missing = [pk for pk in wanted if pk not in seen]
            if missing:
                errors["ai_systems"] = [
                    _("No AI system you may see has the id(s) %(ids)s.")
                    % {"ids": ", ".join(str(pk) for pk in missing[:10])}
                ]
            system_ids = wanted
    audit_text = _one(raw, "audit")
    audit_id = None
    if audit_text:
        audit = None
        if audit_text.isdigit() and len(audit_text) < 19:
            audit = restrict(Audit.objects.filter(pk=int(audit_text)), user).first()
        if audit is None:
            errors["audit"] = [
                _("No audit you may see has the id %(id)s.") % {"id": audit_text[:20]}
            ]
        else:
            audit_id = audit.pk
    elif not (
        has_capability(user, Capability.SEE_ALL_RECORDS)
        or has_capability(user, Capability.CHANGE_RECORDS)
    ):
        errors["audit"] = [_("Choose the audit the pack is for.")]
    if errors:
        raise ValidationError(errors)
    assert start is not None and end is not None
    return {
        "ai_systems": system_ids,
        "period_from": start.isoformat(),
        "period_to": end.isoformat(),
        "preset": preset,
        "sections": list(PRESET_SECTIONS.get(preset, ())) or [c for c in _ALL if c in sections],
        "audit": audit_id,
    }


def _pack_from(job: ReportJob) -> EvidencePack:
    parameters = job.parameters
    pack = EvidencePack.objects.create(
        job=job,
        all_systems=not parameters["ai_systems"],
        period_from=parameters["period_from"],
        period_to=parameters["period_to"],
        preset=parameters["preset"],
        sections=parameters["sections"],
        audit_id=parameters["audit"],
    )
    pack.ai_systems.set(parameters["ai_systems"])
    pack.refresh_from_db()
    change_record(actor=job.requested_by, action=Action.CREATE, obj=pack)
    return pack


@transaction.atomic
def evidence_pack_create(*, actor: Any, language: str, parameters: dict[str, Any]) -> EvidencePack:
    """Validate a pack request and queue its build (after the commit). Raises
    ``ValidationError`` (field map) and creates nothing when any part is wrong; raises
    ``JobQueueUnavailable`` when no worker can be reached (the request is withdrawn)."""
    job = report_job_create(
        actor=actor, kind=KIND, format=ReportFormat.ZIP, language=language, parameters=parameters
    )
    return _pack_from(job)


def evidence_pack_of_job(job: ReportJob) -> EvidencePack:
    """The pack a job builds. A job of this kind requested through the generic report
    endpoint has none yet: it is described now, from the job's validated parameters."""
    pack = EvidencePack.objects.filter(job=job).select_related("job__requested_by", "audit")
    found = pack.first()
    if found is not None:
        return found
    with transaction.atomic():
        created = _pack_from(job)
    return EvidencePack.objects.select_related("job__requested_by", "audit").get(pk=created.pk)


def evidence_pack_built(job: ReportJob) -> None:
    """Write the finished pack's SHA-256 (and size and file name) into the change log, so a
    pack handed over can be matched to the platform's record later."""
    pack = EvidencePack.objects.filter(job=job).first()
    if pack is None:
        return
    change_record(
        actor=job.requested_by,
        action=Action.UPDATE,
        obj=pack,
        before=None,
        after={
            "built": True,
            "file_name": job.file_name,
            "file_size": job.file_size,
            "file_sha256": job.file_sha256,
        },
    )
