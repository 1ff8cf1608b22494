"""The shape DESIGN §2 promises: the core names no domain app (only the project wiring does),
every model declares its scope, nothing below the base classes decides rows by hand, and the
apps plug in through the registry."""

from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Any

import pytest
from django.apps import apps
from django.conf import settings
from django.urls import URLPattern, URLResolver, get_resolver

from aims.api.base import PolicyViewSetMixin
from aims.models.base import ReviewableModel
from aims.registry import registry
from aims.scope import Scope
from aims.views.base import PageView

ROOT = Path(__file__).resolve().parents[2]
PROJECT_APPS = [config.name for config in apps.get_app_configs() if (ROOT / config.name).is_dir()]
DOMAIN_APPS = sorted(set(PROJECT_APPS) - {"aims"})
# The project wiring: the root URL configuration and the settings name the apps.
WIRING = {ROOT / "aims" / "urls.py", ROOT / "aims" / "settings.py"}


def test_the_domain_apps_are_the_installed_ones():
    assert set(DOMAIN_APPS) == {"controls", "risk", "impact", "audit"}


def _imports(path: Path) -> set[str]:
    names = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            names.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module.split(".")[0])
    return names


@pytest.mark.parametrize("app", DOMAIN_APPS)
def test_the_core_imports_no_domain_app(app):
    offenders = [
        str(path.relative_to(ROOT))
        for path in sorted((ROOT / "aims").rglob("*.py"))
        if path not in WIRING and "migrations" not in path.parts and app in _imports(path)
    ]
    assert offenders == [], f"the core imports {app}"


def test_the_wiring_is_where_the_apps_are_named():
    for app in ("risk", "impact"):
        assert app in _imports(ROOT / "aims" / "urls.py")
    assert set(DOMAIN_APPS) <= set(settings.INSTALLED_APPS)


CORE_TEMPLATES = [
    *sorted((ROOT / "templates" / "aims").rglob("*.html")),
    *sorted((ROOT / "templates" / "partials").rglob("*.html")),
    *sorted((ROOT / "templates" / "registration").rglob("*.html")),
    *sorted((ROOT / "templates" / "reports").rglob("*.html")),
    *sorted((ROOT / "templates").glob("*.html")),
]
URL_NAME = re.compile(r"{%\s*url\s+['\"]([\w:-]+)['\"]")
LOAD = re.compile(r"{%\s*load\s+([\w\s]+?)\s*%}")
INCLUDE = re.compile(r"{%\s*(?:include|extends)\s+['\"]([\w/.-]+)['\"]")


def _url_module(name: str) -> str:
    """The module of the view a URL name resolves to."""

    def walk(patterns: list, namespace: str = "") -> str | None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                inner = entry.namespace or ""
                found = walk(entry.url_patterns, f"{namespace}{inner}:" if inner else namespace)
                if found:
                    return found
            elif isinstance(entry, URLPattern) and f"{namespace}{entry.name}" == name:
                view = getattr(entry.callback, "view_class", None) or getattr(
                    entry.callback, "cls", entry.callback
                )
                return view.__module__
        return None

    module = walk(get_resolver().url_patterns)
    assert module is not None, f"unknown URL name {name}"
    return module


@pytest.mark.parametrize("path", CORE_TEMPLATES, ids=lambda p: str(p.relative_to(ROOT)))
def test_the_core_templates_name_no_domain_app(path):
    text = path.read_text()
    for name in URL_NAME.findall(text):
        module = _url_module(name).split(".")[0]
        assert module not in DOMAIN_APPS, f"links to {name} of {module}"
    for libraries in LOAD.findall(text):
        assert not set(libraries.split()) & set(DOMAIN_APPS), f"loads {libraries}"
    for template in INCLUDE.findall(text):
        assert template.split("/")[0] not in DOMAIN_APPS, f"includes {template}"


def test_every_model_of_the_project_declares_its_scope():
    missing = [
        model._meta.label
        for model in apps.get_models()
        if model._meta.app_label in PROJECT_APPS
        and not isinstance(getattr(model, "SCOPE", None), Scope)
    ]
    assert missing == []


def _views() -> list[type]:
    found: list[type] = []

    def walk(patterns: list) -> None:
        for entry in patterns:
            if isinstance(entry, URLResolver):
                walk(entry.url_patterns)
            elif isinstance(entry, URLPattern):
                view = getattr(entry.callback, "view_class", None) or getattr(
                    entry.callback, "cls", None
                )
                if view is not None and view.__module__.split(".")[0] in PROJECT_APPS:
                    found.append(view)

    walk(get_resolver().url_patterns)
    return found


def test_no_view_decides_rows_by_hand():
    """Rows are restricted once, by the base classes: no viewset overrides ``get_queryset``
    and no page overrides ``rows`` (they shape rows with ``selector`` / ``base_queryset``)."""
    views = _views()
    viewsets = [v for v in views if issubclass(v, PolicyViewSetMixin)]
    pages = [v for v in views if issubclass(v, PageView)]
    assert len(viewsets) >= 15 and len(pages) >= 40
    assert [v for v in viewsets if v.get_queryset is not PolicyViewSetMixin.get_queryset] == []
    assert [v for v in pages if v.rows is not PageView.rows] == []


def test_every_reviewable_model_is_registered():
    concrete = {
        model
        for model in apps.get_models()
        if issubclass(model, ReviewableModel) and not model._meta.proxy
    }
    assert concrete == set(registry.reviewable)


def test_the_apps_plug_in_through_the_registry():
    navigation = {entry.code for entry in registry.navigation()}
    assert {"risks", "impact", "controls", "audits", "ai_systems", "library"} <= navigation
    tabs = [tab.code for tab in registry.tabs()]
    assert tabs[0] == "overview" and tabs[-1] == "history"
    assert {"risks", "impact", "controls", "evidence"} <= set(tabs)
    kinds = {kind.code for kind in registry.all_report_kinds()}
    assert {"ai_system_inventory", "risk_register", "impact_assessment"} <= kinds
    # The core's demo first (its AI systems and people), the controls before the risk
    # register whose treatment actions link them (orders: aims 10, controls 50, default 100).
    loaders = [name for name, _loader in registry.demo_loaders]
    assert loaders[0] == "aims"
    assert loaders.index("controls") < loaders.index("risk") < loaders.index("impact")
    assert loaders.index("controls") < loaders.index("evidence") < loaders.index("soa")
    assert registry.scope_providers and registry.ai_system_change_handlers


def test_each_shipped_urn_names_a_framework_of_the_library():
    import yaml

    from aims import urns

    shipped = set()
    for path in (ROOT / "library").rglob("*.yaml"):
        document = yaml.safe_load(path.read_text())
        if isinstance(document, dict) and isinstance(document.get("framework"), dict):
            shipped.add(document["framework"].get("urn"))
    assert set(urns.SHIPPED) <= shipped


def _project_subclasses(base: type) -> list[type]:
    """Every subclass of ``base`` defined in the project (their modules are imported by the
    URL configuration)."""
    get_resolver().url_patterns  # noqa: B018  (imports every view, serializer and filter)
    found, todo = [], [base]
    while todo:
        for cls in todo.pop().__subclasses__():
            todo.append(cls)
            if cls.__module__.split(".")[0] in PROJECT_APPS:
                found.append(cls)
    return found


def _related_fields(serializer: Any) -> list[tuple[str, Any]]:
    from rest_framework import serializers

    found = []
    for name, field in serializer.fields.items():
        if isinstance(field, serializers.BaseSerializer):
            child = getattr(field, "child", field)
            found += [(f"{name}.{inner}", f) for inner, f in _related_fields(child)]
        elif isinstance(field, serializers.ManyRelatedField):
            found.append((name, field.child_relation))
        elif isinstance(field, serializers.RelatedField):
            found.append((name, field))
    return found


def test_every_id_a_client_sends_is_looked_up_among_the_rows_they_see():
    """One rule for ids of governed rows: an API field that takes one looks it up among the
    rows the user may see (a hidden row answers as a missing one), and every filter set is
    a ``ScopedFilterSet`` (the API's backend builds its own from ``filterset_fields``)."""
    import django_filters
    from rest_framework import serializers

    from aims.api.fields import ScopedPrimaryKeyRelatedField
    from aims.filters import ScopedFilterSet

    unscoped = []
    checked = 0
    for cls in _project_subclasses(serializers.Serializer):
        if issubclass(cls, serializers.ModelSerializer) and not hasattr(cls, "Meta"):
            continue  # a base class (aims.api.base.ModelSerializer)
        try:
            serializer = cls()
        except TypeError:  # needs arguments: its fields are declared on the class
            continue
        for name, field in _related_fields(serializer):
            if field.read_only or field.queryset is None:
                continue
            checked += 1
            scoped_model = getattr(field.queryset.model, "SCOPE", None) is not None
            if scoped_model and not isinstance(field, ScopedPrimaryKeyRelatedField):
                unscoped.append(f"{cls.__module__}.{cls.__name__}.{name}")
    assert checked >= 15
    assert unscoped == []
    filtersets = _project_subclasses(django_filters.FilterSet)
    assert len(filtersets) >= 6
    assert [f for f in filtersets if not issubclass(f, ScopedFilterSet)] == []
    backends = settings.REST_FRAMEWORK["DEFAULT_FILTER_BACKENDS"]
    assert "aims.api.filters.ScopedFilterBackend" in backends
    assert "django_filters.rest_framework.DjangoFilterBackend" not in backends


def test_every_model_serializer_builds_on_the_projects():
    """Every model serializer of the API derives from ``aims.api.base.ModelSerializer``: its
    fields are built once per class and its rows written by a plan (what the API's tests
    compare with DRF's own writing, endpoint by endpoint)."""
    from rest_framework import serializers

    from aims.api.base import ModelSerializer

    models = _project_subclasses(serializers.ModelSerializer)
    assert len(models) >= 30
    assert [
        f"{c.__module__}.{c.__name__}" for c in models if not issubclass(c, ModelSerializer)
    ] == []
