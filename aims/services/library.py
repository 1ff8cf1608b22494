"""Writes of the reference library: loading and importing library files."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Value
from django.db.models.functions import Cast, Concat
from django.utils.translation import gettext as _

from aims.changelog import change_record
from aims.choices import Action
from aims.library import unresolved_mapping
from aims.services.accounts import Actor


@dataclass
class LibraryOutcome:
    label: str
    urn: str
    result: str  # created | updated | unchanged | official_text


def _framework_fields(parsed: Any) -> dict[str, Any]:
    return {
        "urn_prefix": parsed.urn_prefix,
        "ref_id": parsed.ref_id,
        "version": parsed.version,
        "category": parsed.category,
        "publisher": parsed.publisher,
        "publisher_ja": parsed.publisher_ja,
        "source": parsed.source,
        "source_ja": parsed.source_ja,
        "name_en": parsed.name_en,
        "name_ja": parsed.name_ja,
        "description_en": parsed.description_en,
        "description_ja": parsed.description_ja,
        "edition_en": parsed.edition_en,
        "edition_ja": parsed.edition_ja,
        "file_sha256": parsed.sha256,
    }


_REQUIREMENT_FIELDS = (
    "ref_id",
    "order",
    "depth",
    "assessable",
    "name_en",
    "name_ja",
    "summary_en",
    "summary_ja",
    "typical_evidence_en",
    "typical_evidence_ja",
    "tags",
    "attributes",
)


def _library_summary(obj: Any, count: int) -> dict[str, Any]:
    return {"version": obj.version, "items": count, "sha256": obj.file_sha256}


def _load_framework(parsed: Any, *, actor: Actor, shipped: bool) -> str:
    from aims.models import Framework, Requirement

    framework = Framework.objects.filter(urn=parsed.urn).first()
    if framework is not None:
        if parsed.version < framework.version:
            raise ValidationError(
                f"{parsed.label}: "
                + _("version %(version)s is older than the loaded version %(loaded)s of %(urn)s")
                % {"version": parsed.version, "loaded": framework.version, "urn": parsed.urn}
            )
        if parsed.version == framework.version:
            if parsed.has_official_text:
                return _import_official_text(parsed, framework, actor=actor)
            if parsed.sha256 == framework.file_sha256:
                return "unchanged"
            raise ValidationError(
                f"{parsed.label}: "
                + _(
                    "the content of %(urn)s changed but its version did not (still "
                    "%(version)s); raise the version to update it"
                )
                % {"urn": parsed.urn, "version": parsed.version}
            )
    before = (
        None if framework is None else _library_summary(framework, framework.requirements.count())
    )
    if framework is None:
        framework = Framework(urn=parsed.urn, shipped=shipped)
    for name, value in _framework_fields(parsed).items():
        setattr(framework, name, value)
    framework.save()
    existing = {r.urn: r for r in Requirement.objects.filter(framework=framework)}
    by_ref: dict[str, Any] = {}
    # Free the ref ids first, so renumbered items cannot collide with each other.
    Requirement.objects.filter(framework=framework).update(
        ref_id=Concat(Value("~"), Cast("id", CharField()), output_field=CharField())
    )
    for item in parsed.requirements:
        requirement = existing.pop(item.urn, None) or Requirement(framework=framework, urn=item.urn)
        for name in _REQUIREMENT_FIELDS:
            setattr(requirement, name, getattr(item, name))
        if item.official_text_en or item.official_text_ja:
            requirement.official_text_en = item.official_text_en
            requirement.official_text_ja = item.official_text_ja
        requirement.parent = by_ref[item.parent_ref] if item.parent_ref else None
        requirement.withdrawn = False
        requirement.save()
        by_ref[item.ref_id] = requirement
    for gone in existing.values():  # no longer in the file: kept for references, withdrawn
        gone.ref_id = f"{gone.urn.rsplit(':', 1)[-1]}~withdrawn"
        gone.withdrawn = True
        gone.save(update_fields=["ref_id", "withdrawn"])
    change_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=framework,
        before=before,
        after=_library_summary(framework, len(parsed.requirements)),
    )
    return "created" if before is None else "updated"


def _import_official_text(parsed: Any, framework: Any, *, actor: Actor) -> str:
    from aims.models import Requirement

    rows = {r.urn: r for r in Requirement.objects.filter(framework=framework)}
    unknown = [item.urn for item in parsed.requirements if item.urn not in rows]
    if unknown:
        raise ValidationError(
            f"{parsed.label}: "
            + _("unknown requirements %(urns)s") % {"urns": ", ".join(unknown[:5])}
        )
    count = 0
    for item in parsed.requirements:
        if item.official_text_en or item.official_text_ja:
            row = rows[item.urn]
            row.official_text_en, row.official_text_ja = (
                item.official_text_en,
                item.official_text_ja,
            )
            row.save(update_fields=["official_text_en", "official_text_ja"])
            count += 1
    change_record(
        actor=actor,
        action=Action.UPDATE,
        obj=framework,
        before=None,
        after={"official_text_imported": count, "sha256": parsed.sha256},
    )
    return "official_text"


def _load_mapping_set(parsed: Any, *, actor: Actor) -> str:
    from aims.models import Framework, Mapping, MappingSet, Requirement

    mapping_set = MappingSet.objects.filter(urn=parsed.urn).first()
    if mapping_set is not None:
        if parsed.version < mapping_set.version or (
            parsed.version == mapping_set.version and parsed.sha256 != mapping_set.file_sha256
        ):
            raise ValidationError(
                f"{parsed.label}: "
                + _(
                    "%(urn)s is loaded at version %(version)s; raise the version above it to "
                    "change the mappings"
                )
                % {"urn": parsed.urn, "version": mapping_set.version}
            )
        if parsed.sha256 == mapping_set.file_sha256:
            return "unchanged"
    frameworks = {
        f.urn: f
        for f in Framework.objects.filter(
            urn__in=[parsed.source_framework, parsed.target_framework]
        )
    }
    errors = [
        f"{parsed.label}: " + _("framework %(urn)s is not in the library") % {"urn": urn}
        for urn in (parsed.source_framework, parsed.target_framework)
        if urn not in frameworks
    ]
    if errors:
        raise ValidationError(errors)
    requirements: dict[str, Any] = {
        r.urn: r
        for r in Requirement.objects.filter(
            framework__urn__in=frameworks,
            urn__in={m.source for m in parsed.mappings} | {m.target for m in parsed.mappings},
        )
    }
    source_fw, target_fw = frameworks[parsed.source_framework], frameworks[parsed.target_framework]
    for index, item in enumerate(parsed.mappings, start=1):
        for side, urn, framework in (
            ("source", item.source, source_fw),
            ("target", item.target, target_fw),
        ):
            row = requirements.get(urn)
            if row is None or row.framework_id != framework.pk:
                errors.append(unresolved_mapping(parsed.label, index, side, urn, framework.urn))
    if errors:
        raise ValidationError(errors)
    before = None
    if mapping_set is None:
        mapping_set = MappingSet(urn=parsed.urn)
    else:
        before = _library_summary(mapping_set, mapping_set.mappings.count())
        mapping_set.mappings.all().delete()
    for name in ("version", "name_en", "name_ja", "description_en", "description_ja"):
        setattr(mapping_set, name, getattr(parsed, name))
    mapping_set.source_framework, mapping_set.target_framework = source_fw, target_fw
    mapping_set.file_sha256 = parsed.sha256
    mapping_set.save()
    Mapping.objects.bulk_create(
        Mapping(
            mapping_set=mapping_set,
            source=requirements[m.source],
            target=requirements[m.target],
            relationship=m.relationship,
            rationale_en=m.rationale_en,
            rationale_ja=m.rationale_ja,
        )
        for m in parsed.mappings
    )
    change_record(
        actor=actor,
        action=Action.CREATE if before is None else Action.UPDATE,
        obj=mapping_set,
        before=before,
        after=_library_summary(mapping_set, len(parsed.mappings)),
    )
    return "created" if before is None else "updated"


@transaction.atomic
def library_load(
    *,
    files: Iterable[tuple[str, bytes]],
    actor: Actor,
    shipped: bool = True,
    allow_official_text: bool = False,
) -> list[LibraryOutcome]:
    """Load library files all-or-nothing. Raises ``ValidationError`` naming every problem."""
    from aims.library import LibraryError, ParsedFramework, parse_library

    try:
        parsed = parse_library(files, allow_official_text=allow_official_text)
    except LibraryError as exc:
        raise ValidationError(exc.summary) from None
    outcomes = []
    for item in parsed:
        if isinstance(item, ParsedFramework):
            result = _load_framework(item, actor=actor, shipped=shipped)
        else:
            result = _load_mapping_set(item, actor=actor)
        outcomes.append(LibraryOutcome(item.label, item.urn, result))
    if any(o.result in {"created", "updated"} for o in outcomes):
        from aims.services.conformance import clause_assessments_ensure

        clause_assessments_ensure(actor=actor)  # every new clause gets its conformance row
        from aims.registry import registry

        for handler in registry.library_load_handlers:  # e.g. the SoA's rows
            handler(actor=actor)
    return outcomes


def library_import(*, actor: Actor, name: str, content: bytes) -> list[LibraryOutcome]:
    """An officer's import of one file: an extra framework, a newer version, a crosswalk or
    the licensed official text of a framework (which only an import may carry)."""
    return library_load(
        files=[(name, content)], actor=actor, shipped=False, allow_official_text=True
    )
