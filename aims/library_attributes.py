"""The structured attributes of library items, as a reader sees them: translated labels,
values in the reader's language, and links for the attributes that name other items.

Files may carry any attribute (an imported framework brings its own); those not known here are
shown with their key and value as written.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _

from aims import urns
from aims.choices import OrganizationRole
from aims.models import Requirement

LABELS = {
    "principles": gettext_lazy("Principles of the AI Guidelines for Business"),
    "listed_item_principles": gettext_lazy("Principles of the points it lists"),
    "restates": gettext_lazy("Restates"),
    "clauses": gettext_lazy("Related clauses"),
    "objective_group": gettext_lazy("Control objective group"),
    "actor": gettext_lazy("Actor"),
    "phase": gettext_lazy("Phase"),
    "group": gettext_lazy("Group"),
    "expected": gettext_lazy("Expected rather than required"),
    "comply_or_explain": gettext_lazy("Comply or explain"),
    "practical_examples": gettext_lazy("Practical examples in the Guidelines"),
    "code_of_conduct_addition": gettext_lazy("What the Hiroshima Code of Conduct adds"),
    "gsn_goal": gettext_lazy("GSN goal"),
    "categories": gettext_lazy("AI risk categories"),
    "annex_c_sources": gettext_lazy("Risk sources (ISO/IEC 42001 Annex C)"),
    "generative": gettext_lazy("Brought to the surface by generative AI"),
    "function": gettext_lazy("Function"),
    "article": gettext_lazy("Article"),
    "articles": gettext_lazy("Articles"),
}
VALUE_LABELS = {
    "actor": dict(OrganizationRole.choices),
    "phase": {
        "data_preprocessing_training": gettext_lazy("Data preprocessing and training"),
        "development": gettext_lazy("During development"),
        "after_development": gettext_lazy("After development"),
        "implementation": gettext_lazy("System implementation"),
        "after_provision": gettext_lazy("After provision"),
        "use": gettext_lazy("In use"),
    },
    "group": {
        "own_action": gettext_lazy("What each business does itself"),
        "with_society": gettext_lazy("What businesses do together with society"),
    },
}
#: The tags the shipped library uses, as readers see them; an imported file's own tags are
#: shown as written.
TAG_LABELS = {
    "clause": gettext_lazy("clause"),
    "annex-a": gettext_lazy("Annex A"),
    "annex-c": gettext_lazy("Annex C"),
    "control": gettext_lazy("control"),
    "control-objective": gettext_lazy("control objective"),
    "objective": gettext_lazy("objective"),
    "risk-source": gettext_lazy("risk source"),
    "principle": gettext_lazy("principle"),
    "actor-item": gettext_lazy("item for an actor"),
    "action-goal": gettext_lazy("action goal"),
    "advanced-ai": gettext_lazy("advanced AI"),
    "function": gettext_lazy("function"),
    "category": gettext_lazy("category"),
    "subcategory": gettext_lazy("subcategory"),
}


def tag_labels(tags: list[str]) -> list[str]:
    return [str(TAG_LABELS.get(tag, tag)) for tag in tags]


#: Attributes whose values are ref ids of other items: key → framework URN (None: the same).
REFERENCES: dict[str, str | None] = {
    "principles": urns.METI_GUIDELINES,
    "listed_item_principles": urns.METI_GUIDELINES,
    "restates": None,
    "clauses": None,
    "objective_group": None,
    "categories": urns.AI_RISK_CATEGORIES,
    "annex_c_sources": urns.ISO_42001,
}


@dataclass(frozen=True)
class AttributeValue:
    text: str
    item: Requirement | None = None


def _as_list(value: Any) -> list[Any]:
    return list(value) if isinstance(value, list | tuple) else [value]


def describe_attributes(requirement: Requirement) -> list[tuple[str, list[AttributeValue]]]:
    """(label, values) for each attribute of ``requirement``; one query resolves every
    reference to another item."""
    attributes = requirement.attributes or {}
    wanted = Q(pk__in=[])
    for key, framework in REFERENCES.items():
        if key in attributes:
            refs = [str(v) for v in _as_list(attributes[key])]
            urn = framework or requirement.framework.urn
            wanted |= Q(framework__urn=urn, ref_id__in=refs)
    found = {
        (item.framework.urn, item.ref_id): item
        for item in Requirement.objects.filter(wanted, withdrawn=False).select_related("framework")
    }
    language = (get_language() or "ja")[:2]
    described = []
    for key, value in attributes.items():
        values: list[AttributeValue] = []
        if key in REFERENCES:
            urn = REFERENCES[key] or requirement.framework.urn
            for ref in _as_list(value):
                item = found.get((urn, str(ref)))
                values.append(AttributeValue(f"{ref} {item.name}" if item else str(ref), item))
        elif isinstance(value, dict) and set(value) <= {"en", "ja"}:
            values.append(AttributeValue(str(value.get(language) or next(iter(value.values())))))
        else:
            for item in _as_list(value):
                if isinstance(item, bool):
                    values.append(AttributeValue(_("yes") if item else _("no")))
                else:
                    label = VALUE_LABELS.get(key, {}).get(str(item), item)
                    values.append(AttributeValue(str(label)))
        described.append((str(LABELS.get(key, key)), values))
    return described
