"""Rows of the reference library (frameworks, requirements, mappings) and the shipped
taxonomies that records point at.

Library rows are loaded, never saved one by one: every factory here writes a small library
file and loads it with ``library_load``, as ``manage.py load_library`` and the officers' import
do. Adding a requirement to a loaded framework reloads it with its version raised, which
updates the rows in place (by URN) exactly as a newer library file would.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import factory
import yaml

from aims.choices import FrameworkCategory, MappingRelationship
from aims.models import Framework, Mapping, Requirement
from aims.services.library import library_load
from tests.factories.base import ServiceFactory

LIBRARY = Path(__file__).resolve().parents[2] / "library" / "frameworks"
TAXONOMIES = {
    "affected-parties": "taxonomy-affected-parties.yaml",
    "impact-areas": "taxonomy-impact-areas.yaml",
    "ai-risk-categories": "taxonomy-ai-risk-categories.yaml",
}


def load_taxonomies() -> None:
    """Load the shipped taxonomies impact entries and risks point at, unless loaded."""
    loaded = set(
        Framework.objects.filter(
            urn__in=[f"urn:aims:framework:taxonomy-{name}" for name in TAXONOMIES]
        ).values_list("urn", flat=True)
    )
    files = [
        (file, (LIBRARY / file).read_bytes())
        for name, file in TAXONOMIES.items()
        if f"urn:aims:framework:taxonomy-{name}" not in loaded
    ]
    if files:
        library_load(files=files, actor=None)


def taxonomy_item(taxonomy: str, ref_id: str) -> Requirement:
    """One item of a shipped taxonomy, e.g. ``taxonomy_item("impact-areas", "privacy")``."""
    load_taxonomies()
    return Requirement.objects.get(
        framework__urn=f"urn:aims:framework:taxonomy-{taxonomy}", ref_id=ref_id
    )


def requirement_item(
    ref_id: str,
    *,
    parent: str | None = None,
    assessable: bool = True,
    tags: list[str] | None = None,
) -> dict[str, Any]:
    """One requirement of a library file."""
    item: dict[str, Any] = {
        "ref_id": ref_id,
        "name": {"en": f"Requirement {ref_id}", "ja": f"要求事項 {ref_id}"},
        "assessable": assessable,
    }
    if parent is not None:
        item["parent"] = parent
    if tags:
        item["tags"] = tags
    return item


def framework_file(
    *,
    urn: str,
    urn_prefix: str,
    ref_id: str,
    requirements: list[dict[str, Any]],
    version: int = 1,
    category: str = FrameworkCategory.STANDARD,
) -> bytes:
    """A framework library file (format ``aims-library/1``)."""
    document = {
        "format": "aims-library/1",
        "kind": "framework",
        "framework": {
            "urn": urn,
            "urn_prefix": urn_prefix,
            "ref_id": ref_id,
            "version": version,
            "category": str(category),
            "name": {"en": ref_id, "ja": ref_id},
        },
        "requirements": requirements,
    }
    return yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()


def _items_of(framework: Framework) -> list[dict[str, Any]]:
    """The framework's current requirements as items of its library file, in order."""
    rows = framework.requirements.filter(withdrawn=False).select_related("parent")
    return [
        {
            "ref_id": row.ref_id,
            "urn": row.urn,
            "name": {"en": row.name_en, "ja": row.name_ja},
            "assessable": row.assessable,
            **({"parent": row.parent.ref_id} if row.parent else {}),
            **({"tags": row.tags} if row.tags else {}),
        }
        for row in rows.order_by("order")
    ]


def framework_add(framework: Framework, items: list[dict[str, Any]], *, actor: Any = None) -> None:
    """Reload ``framework`` with ``items`` appended and its version raised."""
    content = framework_file(
        urn=framework.urn,
        urn_prefix=framework.urn_prefix,
        ref_id=framework.ref_id,
        category=framework.category,
        version=framework.version + 1,
        requirements=_items_of(framework) + items,
    )
    library_load(files=[(f"{framework.urn}.yaml", content)], actor=actor)


class FrameworkFactory(ServiceFactory):
    """A framework of the library with ``requirements`` (library-file items; by default one
    assessable requirement ``R1``), loaded by ``library_load``."""

    class Meta:
        model = Framework

    class Params:
        slug = factory.Sequence(lambda n: f"test-{n:03d}")

    urn = factory.LazyAttribute(lambda f: f"urn:aims:framework:{f.slug}")
    urn_prefix = factory.LazyAttribute(lambda f: f"urn:aims:{f.slug}")
    ref_id = factory.LazyAttribute(lambda f: f"Test framework {f.slug}")
    category = FrameworkCategory.STANDARD
    requirements = factory.LazyFunction(lambda: [requirement_item("R1")])

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> Framework:
        library_load(files=[(f"{fields['urn']}.yaml", framework_file(**fields))], actor=actor)
        return Framework.objects.get(urn=fields["urn"])


class RequirementFactory(ServiceFactory):
    """A requirement added to ``framework`` (a new framework unless given) by reloading it."""

    class Meta:
        model = Requirement

    framework = None
    ref_id = factory.Sequence(lambda n: f"T{n:03d}")
    parent = None
    assessable = True
    tags = None

    @classmethod
    def create_through_service(
        cls, *, actor: Any, framework: Framework | None, ref_id: str, **item: Any
    ) -> Requirement:
        parent = item.pop("parent")
        item["parent"] = parent.ref_id if isinstance(parent, Requirement) else parent
        if framework is None:
            framework = FrameworkFactory(requirements=[requirement_item(ref_id, **item)])
        else:
            framework_add(framework, [requirement_item(ref_id, **item)], actor=actor)
        return Requirement.objects.get(framework=framework, ref_id=ref_id)


class MappingFactory(ServiceFactory):
    """A crosswalk of one mapping from ``source`` to ``target`` (requirements of new
    frameworks unless given), loaded by ``library_load`` as a mapping file."""

    class Meta:
        model = Mapping

    class Params:
        slug = factory.Sequence(lambda n: f"test-{n:03d}")

    source = factory.SubFactory(RequirementFactory)
    target = factory.SubFactory(RequirementFactory)
    relationship = MappingRelationship.RELATED
    mapping_set_urn = factory.LazyAttribute(lambda m: f"urn:aims:mappings:{m.slug}")

    @classmethod
    def create_through_service(
        cls,
        *,
        actor: Any,
        source: Requirement,
        target: Requirement,
        relationship: str,
        mapping_set_urn: str,
    ) -> Mapping:
        document = {
            "format": "aims-library/1",
            "kind": "mappings",
            "mapping_set": {
                "urn": mapping_set_urn,
                "version": 1,
                "source_framework": source.framework.urn,
                "target_framework": target.framework.urn,
                "name": {"en": mapping_set_urn, "ja": mapping_set_urn},
            },
            "mappings": [
                {
                    "source": source.urn,
                    "target": target.urn,
                    "relationship": str(relationship),
                    "rationale": {"en": "Related", "ja": "関連"},
                }
            ],
        }
        content = yaml.safe_dump(document, allow_unicode=True, sort_keys=False).encode()
        library_load(files=[(f"{mapping_set_urn}.yaml", content)], actor=actor)
        return Mapping.objects.get(mapping_set__urn=mapping_set_urn, source=source, target=target)
