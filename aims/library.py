"""Parsing and validation of reference-library files (format: ``library/README.md``).

Pure functions: nothing here touches the database except to resolve URNs of rows already
loaded. ``parse_library`` reads every file, collects *every* error (each naming the file, the
item and the reason) and raises ``LibraryError`` with all of them, so a bad set of files is
rejected whole before anything is written.

Files come from officers' uploads too, so the YAML is read strictly: no anchors or aliases (a
few hundred bytes of aliases expand to gigabytes), nesting at most ``MAX_DEPTH`` levels, at most
``settings.LIBRARY_MAX_REQUIREMENTS`` items per file, attributes of a bounded size and texts no
longer than the columns that hold them.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import yaml
from django.conf import settings
from django.db.models import Model
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from aims.choices import FrameworkCategory, MappingRelationship

FORMAT = "aims-library/1"
_URN_UNSAFE = re.compile(r"[^a-z0-9.\-]")
#: Nesting of collections in a library file (the format needs five).
MAX_DEPTH = 20
#: Errors listed in full; the rest are counted.
MAX_ERRORS_SHOWN = 50


class LibraryError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors

    @property
    def summary(self) -> list[str]:
        """The first ``MAX_ERRORS_SHOWN`` errors and, past them, how many there are in all."""
        if len(self.errors) <= MAX_ERRORS_SHOWN:
            return self.errors
        rest = len(self.errors) - MAX_ERRORS_SHOWN
        return [
            *self.errors[:MAX_ERRORS_SHOWN],
            _("… and %(rest)s more errors (%(total)s in all).")
            % {"rest": rest, "total": len(self.errors)},
        ]


class _StrictLoader(yaml.SafeLoader):
    """YAML without anchors, aliases or deep nesting: what a library file needs and no more."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        mark: Any = event.start_mark
        if isinstance(event, yaml.AliasEvent):
            raise yaml.composer.ComposerError(
                None, None, _("aliases are not allowed in library files"), mark
            )
        if getattr(event, "anchor", None) is not None:
            raise yaml.composer.ComposerError(
                None, None, _("anchors are not allowed in library files"), mark
            )
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH:
                raise yaml.composer.ComposerError(
                    None, None, _("nested deeper than %(max)s levels") % {"max": MAX_DEPTH}, mark
                )
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def load_yaml(text: str) -> Any:
    """Parse one YAML document strictly (see ``_StrictLoader``)."""
    loader = _StrictLoader(text)
    try:
        return loader.get_single_data()
    finally:
        loader.dispose()


def requirement_urn(prefix: str, ref_id: str) -> str:
    return f"{prefix}:{_URN_UNSAFE.sub('-', ref_id.strip().lower())}"


@dataclass
class ParsedRequirement:
    urn: str
    ref_id: str
    parent_ref: str | None
    order: int
    depth: int
    assessable: bool
    name_en: str
    name_ja: str
    summary_en: str = ""
    summary_ja: str = ""
    typical_evidence_en: str = ""
    typical_evidence_ja: str = ""
    tags: list[str] = field(default_factory=list)
    attributes: dict[str, Any] = field(default_factory=dict)
    official_text_en: str = ""
    official_text_ja: str = ""


@dataclass
class ParsedFramework:
    label: str
    sha256: str
    urn: str
    urn_prefix: str
    ref_id: str
    version: int
    category: str
    publisher: str
    source: str
    name_en: str
    name_ja: str
    description_en: str
    description_ja: str
    requirements: list[ParsedRequirement]
    # Which edition of the source this file carries (e.g. a guideline's draft or final v1.0).
    edition_en: str = ""
    edition_ja: str = ""
    # The publisher and the source note in Japanese (the file may give them in English only).
    publisher_ja: str = ""
    source_ja: str = ""

    @property
    def has_official_text(self) -> bool:
        return any(r.official_text_en or r.official_text_ja for r in self.requirements)


@dataclass
class ParsedMapping:
    source: str
    target: str
    relationship: str
    rationale_en: str
    rationale_ja: str


@dataclass
class ParsedMappingSet:
    label: str
    sha256: str
    urn: str
    version: int
    source_framework: str
    target_framework: str
    name_en: str
    name_ja: str
    description_en: str
    description_ja: str
    mappings: list[ParsedMapping]


Parsed = ParsedFramework | ParsedMappingSet


class _Reader:
    """Collects errors while reading one file."""

    def __init__(self, label: str) -> None:
        self.label = label
        self.errors: list[str] = []

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{self.label}: {where}: {message}")

    def text(self, data: Any, key: str, where: str, *, required: bool = True) -> str:
        value = data.get(key) if isinstance(data, dict) else None
        if value is None or (isinstance(value, str) and not value.strip()):
            if required:
                self.error(where, _("'%(key)s' is missing") % {"key": key})
            return ""
        if not isinstance(value, str | int | float):
            self.error(where, _("'%(key)s' must be text") % {"key": key})
            return ""
        return str(value).strip()

    def optional_bilingual(self, data: Any, key: str, where: str) -> tuple[str, str]:
        """An optional text given as a plain string (English only) or in both languages."""
        value = data.get(key) if isinstance(data, dict) else None
        if isinstance(value, dict):  # given, so never missing
            return self.bilingual(data, key, where)
        return self.text(data, key, where, required=False), ""

    def bilingual(
        self, data: Any, key: str, where: str, *, required: bool = True
    ) -> tuple[str, str]:
        value = data.get(key) if isinstance(data, dict) else None
        if value is None:
            if required:
                self.error(where, _("'%(key)s' is missing (needs en and ja)") % {"key": key})
            return "", ""
        if not isinstance(value, dict):
            self.error(where, _("'%(key)s' must have 'en' and 'ja'") % {"key": key})
            return "", ""
        en, ja = (str(value.get(lang) or "").strip() for lang in ("en", "ja"))
        if not en or not ja:
            missing = _("en and ja") if not en and not ja else ("ja" if en else "en")
            self.error(
                where, _("'%(key)s' has no %(missing)s text") % {"key": key, "missing": missing}
            )
        unknown = set(value) - {"en", "ja"}
        if unknown:
            self.error(
                where,
                _("'%(key)s' has unknown languages %(languages)s")
                % {"key": key, "languages": sorted(unknown)},
            )
        return en, ja

    def version(self, data: dict[str, Any], where: str) -> int:
        value = data.get("version")
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            self.error(where, _("'version' must be a positive integer"))
            return 0
        return value


def _check_count(reader: _Reader, key: str, items: list[Any]) -> None:
    """A file with more items than allowed is refused at once, without an error per item."""
    limit = settings.LIBRARY_MAX_REQUIREMENTS
    if len(items) > limit:
        message = _("%(count)s items; the limit is %(limit)s") % {
            "count": len(items),
            "limit": limit,
        }
        raise LibraryError([f"{reader.label}: {key}: {message}"])


def _check_lengths(reader: _Reader, where: str, parsed: Any, model_name: str) -> None:
    """Each text no longer than the column that will hold it."""
    from django.apps import apps

    model: type[Model] = apps.get_model("aims", model_name)
    for model_field in model._meta.concrete_fields:
        value = getattr(parsed, model_field.name, None)
        limit = getattr(model_field, "max_length", None)
        if isinstance(value, str) and limit is not None and len(value) > limit:
            reader.error(
                where,
                _("'%(key)s' is %(length)s characters long; the limit is %(limit)s")
                % {"key": model_field.name, "length": len(value), "limit": limit},
            )


def _parse_framework(
    reader: _Reader, doc: dict[str, Any], sha: str, allow_official_text: bool
) -> ParsedFramework | None:
    meta = doc.get("framework")
    if not isinstance(meta, dict):
        reader.error("framework", _("missing"))
        return None
    urn = reader.text(meta, "urn", "framework")
    prefix = reader.text(meta, "urn_prefix", "framework")
    for key, value in (("urn", urn), ("urn_prefix", prefix)):
        if value and not value.startswith("urn:"):
            reader.error("framework", _("'%(key)s' must start with 'urn:'") % {"key": key})
    category = reader.text(meta, "category", "framework")
    if category and category not in FrameworkCategory.values:
        reader.error("framework", _("unknown category '%(category)s'") % {"category": category})
    name_en, name_ja = reader.bilingual(meta, "name", "framework")
    description = reader.bilingual(meta, "description", "framework", required=False)
    edition = reader.bilingual(meta, "edition", "framework", required=False)
    publisher = reader.optional_bilingual(meta, "publisher", "framework")
    source = reader.optional_bilingual(meta, "source", "framework")
    items = doc.get("requirements")
    if not isinstance(items, list) or not items:
        reader.error("requirements", _("must be a non-empty list"))
        items = []
    _check_count(reader, "requirements", items)
    requirements: list[ParsedRequirement] = []
    seen: dict[str, int] = {}
    depth_of: dict[str, int] = {}
    for index, item in enumerate(items, start=1):
        if not isinstance(item, dict):
            reader.error(_("item %(index)s") % {"index": index}, _("must be a mapping"))
            continue
        ref_id = reader.text(item, "ref_id", _("item %(index)s") % {"index": index})
        where = (
            _("item %(index)s ('%(ref_id)s')") % {"index": index, "ref_id": ref_id}
            if ref_id
            else _("item %(index)s") % {"index": index}
        )
        if ref_id in seen:
            reader.error(
                where,
                _("duplicate ref id '%(ref_id)s' (also item %(other)s)")
                % {"ref_id": ref_id, "other": seen[ref_id]},
            )
        elif ref_id:
            seen[ref_id] = index
        parent = item.get("parent")
        parent_ref = str(parent).strip() if parent is not None else None
        if parent_ref is not None and parent_ref not in depth_of:
            reader.error(
                where,
                _("parent '%(parent)s' does not exist before this item") % {"parent": parent_ref},
            )
        depth = depth_of.get(parent_ref, -1) + 1 if parent_ref else 0
        if ref_id:
            depth_of.setdefault(ref_id, depth)
        name = reader.bilingual(item, "name", where)
        summary = reader.bilingual(item, "summary", where, required=False)
        evidence = reader.bilingual(item, "typical_evidence", where, required=False)
        official = ("", "")
        if "official_text" in item:
            if not allow_official_text:
                reader.error(where, _("official text is only accepted in an officer's import"))
            elif not isinstance(item["official_text"], dict):
                reader.error(where, _("'official_text' must have 'en' and/or 'ja'"))
            else:
                texts = item["official_text"]
                official = (str(texts.get("en") or ""), str(texts.get("ja") or ""))
        tags = item.get("tags") or []
        if not isinstance(tags, list) or not all(isinstance(t, str) for t in tags):
            reader.error(where, _("'tags' must be a list of codes"))
            tags = []
        attributes = item.get("attributes") or {}
        if not isinstance(attributes, dict):
            reader.error(where, _("'attributes' must be a mapping"))
            attributes = {}
        for key, collected in (("tags", tags), ("attributes", attributes)):
            size = len(json.dumps(collected, ensure_ascii=False, default=str))
            if size > settings.LIBRARY_MAX_ATTRIBUTES_CHARS:
                reader.error(
                    where,
                    _("'%(key)s' is %(size)s characters long as JSON; the limit is %(limit)s")
                    % {"key": key, "size": size, "limit": settings.LIBRARY_MAX_ATTRIBUTES_CHARS},
                )
        assessable = item.get("assessable", False)
        if not isinstance(assessable, bool):
            reader.error(where, _("'assessable' must be true or false"))
        explicit_urn = item.get("urn")
        requirement = ParsedRequirement(
            urn=str(explicit_urn) if explicit_urn else requirement_urn(prefix, ref_id),
            ref_id=ref_id,
            parent_ref=parent_ref,
            order=index,
            depth=depth,
            assessable=assessable is True,
            name_en=name[0],
            name_ja=name[1],
            summary_en=summary[0],
            summary_ja=summary[1],
            typical_evidence_en=evidence[0],
            typical_evidence_ja=evidence[1],
            tags=tags,
            attributes=attributes,
            official_text_en=official[0],
            official_text_ja=official[1],
        )
        _check_lengths(reader, where, requirement, "Requirement")
        requirements.append(requirement)
    urns: dict[str, str] = {}
    for requirement in requirements:
        if requirement.urn in urns and requirement.ref_id != urns[requirement.urn]:
            reader.error(
                _("item '%(ref_id)s'") % {"ref_id": requirement.ref_id},
                _("URN %(urn)s is also the URN of '%(other)s'")
                % {"urn": requirement.urn, "other": urns[requirement.urn]},
            )
        urns[requirement.urn] = requirement.ref_id
    framework = ParsedFramework(
        label=reader.label,
        sha256=sha,
        urn=urn,
        urn_prefix=prefix,
        ref_id=reader.text(meta, "ref_id", "framework"),
        version=reader.version(meta, "framework"),
        category=category,
        publisher=publisher[0],
        publisher_ja=publisher[1],
        source=source[0],
        source_ja=source[1],
        name_en=name_en,
        name_ja=name_ja,
        description_en=description[0],
        description_ja=description[1],
        requirements=requirements,
        edition_en=edition[0],
        edition_ja=edition[1],
    )
    _check_lengths(reader, "framework", framework, "Framework")
    return framework


def _parse_mappings(reader: _Reader, doc: dict[str, Any], sha: str) -> ParsedMappingSet | None:
    meta = doc.get("mapping_set")
    if not isinstance(meta, dict):
        reader.error("mapping_set", _("missing"))
        return None
    items = doc.get("mappings")
    if not isinstance(items, list) or not items:
        reader.error("mappings", _("must be a non-empty list"))
        items = []
    _check_count(reader, "mappings", items)
    mappings: list[ParsedMapping] = []
    pairs: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items, start=1):
        where = _("mapping %(index)s") % {"index": index}
        if not isinstance(item, dict):
            reader.error(where, _("must be a mapping"))
            continue
        source = reader.text(item, "source", where)
        target = reader.text(item, "target", where)
        relationship = reader.text(item, "relationship", where)
        if relationship and relationship not in MappingRelationship.values:
            reader.error(where, _("unknown relationship '%(code)s'") % {"code": relationship})
        if (source, target) in pairs:
            reader.error(
                where, _("duplicate of mapping %(index)s") % {"index": pairs[(source, target)]}
            )
        pairs[(source, target)] = index
        rationale = reader.bilingual(item, "rationale", where, required=False)
        mapping = ParsedMapping(source, target, relationship, *rationale)
        _check_lengths(reader, where, mapping, "Mapping")
        mappings.append(mapping)
    name = reader.bilingual(meta, "name", "mapping_set")
    description = reader.bilingual(meta, "description", "mapping_set", required=False)
    mapping_set = ParsedMappingSet(
        label=reader.label,
        sha256=sha,
        urn=reader.text(meta, "urn", "mapping_set"),
        version=reader.version(meta, "mapping_set"),
        source_framework=reader.text(meta, "source_framework", "mapping_set"),
        target_framework=reader.text(meta, "target_framework", "mapping_set"),
        name_en=name[0],
        name_ja=name[1],
        description_en=description[0],
        description_ja=description[1],
        mappings=mappings,
    )
    _check_lengths(reader, "mapping_set", mapping_set, "MappingSet")
    return mapping_set


def parse_file(label: str, content: bytes, *, allow_official_text: bool = False) -> Parsed:
    """Parse one file; raise ``LibraryError`` with every problem found in it."""
    reader = _Reader(label)
    try:
        doc = load_yaml(content.decode("utf-8"))
    except (UnicodeDecodeError, yaml.YAMLError) as exc:
        message = _("not a readable YAML file (%(reason)s)") % {"reason": exc}
        raise LibraryError([f"{label}: {message}"]) from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise LibraryError([f"{label}: " + _("'format' must be '%(format)s'") % {"format": FORMAT}])
    sha = hashlib.sha256(content).hexdigest()
    parsed: Parsed | None
    if doc.get("kind") == "framework":
        parsed = _parse_framework(reader, doc, sha, allow_official_text)
    elif doc.get("kind") == "mappings":
        parsed = _parse_mappings(reader, doc, sha)
    else:
        raise LibraryError([f"{label}: " + _("'kind' must be 'framework' or 'mappings'")])
    if reader.errors or parsed is None:
        raise LibraryError(reader.errors)
    return parsed


def parse_library(
    files: Iterable[tuple[str, bytes]], *, allow_official_text: bool = False
) -> list[Parsed]:
    """Parse and cross-check a set of files. Frameworks come first in the result."""
    errors: list[str] = []
    parsed: list[Parsed] = []
    for label, content in files:
        try:
            parsed.append(parse_file(label, content, allow_official_text=allow_official_text))
        except LibraryError as exc:
            errors.extend(exc.errors)
    seen: dict[str, str] = {}
    for item in parsed:
        if item.urn in seen:
            errors.append(
                f"{item.label}: "
                + _("URN %(urn)s is also used by %(other)s")
                % {"urn": item.urn, "other": seen[item.urn]}
            )
        seen[item.urn] = item.label
        if isinstance(item, ParsedFramework):
            for requirement in item.requirements:
                other = seen.get(requirement.urn)
                if other is not None and other != item.label:
                    errors.append(
                        f"{item.label}: "
                        + _("requirement URN %(urn)s is also used by %(other)s")
                        % {"urn": requirement.urn, "other": other}
                    )
                seen[requirement.urn] = item.label
    errors.extend(_unresolved_mappings(parsed))
    if errors:
        raise LibraryError(errors)
    return sorted(parsed, key=lambda p: isinstance(p, ParsedMappingSet))


def unresolved_mapping(label: str, index: int, side: str, urn: str, framework: str) -> str:
    """The error of a mapping whose source or target is not a requirement of its framework."""
    sides = {
        "source": pgettext("mapping side", "source"),
        "target": pgettext("mapping side", "target"),
    }
    return f"{label}: " + _(
        "mapping %(index)s: %(side)s %(urn)s does not resolve to a requirement of %(framework)s"
    ) % {"index": index, "side": sides[side], "urn": urn, "framework": framework}


def _unresolved_mappings(parsed: list[Parsed]) -> list[str]:
    """Mappings between frameworks of the same set of files must resolve among them (those
    pointing at frameworks already loaded are checked against the database when loading)."""
    urns = {
        item.urn: {r.urn for r in item.requirements}
        for item in parsed
        if isinstance(item, ParsedFramework)
    }
    errors = []
    for item in parsed:
        if not isinstance(item, ParsedMappingSet):
            continue
        for index, mapping in enumerate(item.mappings, start=1):
            for side, urn, framework in (
                ("source", mapping.source, item.source_framework),
                ("target", mapping.target, item.target_framework),
            ):
                if framework in urns and urn not in urns[framework]:
                    errors.append(unresolved_mapping(item.label, index, side, urn, framework))
    return errors
