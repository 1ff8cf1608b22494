from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model
from django.utils.html import format_html, format_html_join

from aims import selectors
from aims.choices import Language
from aims.choices import group_label as _group_label
from aims.history import readable
from aims.people import person_name
from aims.registry import registry
from aims.roles import Capability, has_capability
from aims.scope import other_systems, request_sight

register = template.Library()


@register.simple_tag(takes_context=True)
def record_panels(context: dict[str, Any], obj: Model) -> str:
    """The sections the apps add to a core record's page (``registry.add_record_panel``):
    ``{% record_panels document %}``."""
    request = context.get("request")
    panels = sorted(registry.record_panels, key=lambda p: p.order)
    return format_html_join("", "{}", ((panel.render(request, obj),) for panel in panels))


@register.filter
def group_label(name: str) -> str:
    """``{{ group.name|group_label }}``: a role's group by the role's translated label."""
    return _group_label(name)


@register.inclusion_tag("partials/history.html", takes_context=True)
def object_history(context: dict[str, Any], obj: Model, limit: int = 50) -> dict[str, Any]:
    """The change history of ``obj`` as far as the viewer may see it:
    ``{% load aims %}{% object_history risk %}`` on any detail page."""
    user = context["request"].user
    records = selectors.change_record_history(user=user, obj=obj, limit=limit)
    return {"entries": readable(records, user=user)}


@register.filter
def person(user: Any) -> str:
    """A user as pages show people: their full name (else their username), with the username
    on hover; "" for nobody (``{{ risk.owner|person|default:"—" }}``)."""
    if user is None or not hasattr(user, "get_username"):
        return ""
    return format_html(
        '<span class="person" title="{}">{}</span>', user.get_username(), person_name(user)
    )


@register.filter(name="person_name")
def person_name_filter(user: Any) -> str:
    """A user's name as plain text (a page title, a PDF): ``person`` without the markup."""
    return person_name(user) if hasattr(user, "get_username") else ""


@register.inclusion_tag("partials/ai_systems.html", takes_context=True)
def ai_systems(context: dict[str, Any], systems: Any, links: bool = False) -> dict[str, Any]:
    """The AI systems of a record as its reader may see them: the names of those they see
    (linked to their pages with ``links=True``), then "2 other AI systems" for the rest;
    "organisation-wide" for a record of no system. ``{% ai_systems risk.ai_systems.all %}``.
    The reader's sight is worked out once per request (or given as ``sight``: reports)."""
    sight = context.get("sight") or request_sight(context.get("request"))
    shown, hidden = sight.split(systems)
    return {
        "systems": shown,
        "hidden": hidden,
        "others": other_systems(hidden) if hidden else "",
        "links": links,
    }


@register.simple_tag(takes_context=True)
def page_query(context: dict[str, Any], cursor: str | None = None, prefix: str = "") -> str:
    """The current query string at another page of the list: ``cursor`` set (none: the
    first page), any page number dropped (``aims.pagination``)."""
    query = context["request"].GET.copy()
    query.pop(f"{prefix}page", None)
    if cursor:
        query[f"{prefix}cursor"] = cursor
    else:
        query.pop(f"{prefix}cursor", None)
    return query.urlencode()


@register.inclusion_tag("partials/export_form.html", takes_context=True)
def export_form(context: dict[str, Any], kind: str, button: str, label: str = "") -> dict[str, Any]:
    """The form that asks for a report of the rows a list shows (its filters as parameters),
    in the formats the report kind offers: ``{% export_form "risk_register" button %}``."""
    request = context["request"]
    return {
        "kind": registry.report_kind(kind),
        "can_export": has_capability(request.user, Capability.EXPORT),
        "export_parameters": context.get("export_parameters", []),
        "languages": Language.choices,
        "button": button,
        "label": label,
    }


@register.filter
def inbox_badge(total: Any) -> str:
    """The navigation's inbox count: exact below the badge's limit, "99+" from it on (the
    count stops there: ``aims.inbox.BADGE_LIMIT``)."""
    from aims.inbox import BADGE_LIMIT

    number = int(total)
    return f"{BADGE_LIMIT - 1}+" if number >= BADGE_LIMIT else str(number)
