"""Report kinds: what a report job can render.

A kind is registered once, explicitly, by the app that owns its content (in its
``AppConfig.ready``, on ``aims.registry.registry``), so the core never imports a domain app.
A kind validates its parameters for the requesting user (``clean``), and renders a job into a
binary stream (``render``) as that user would see the content, in the job's language (the
caller sets it).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import IO, TYPE_CHECKING, Any

from aims.roles import Capability

if TYPE_CHECKING:
    from aims.models import ReportJob

CONTENT_TYPES = {
    "pdf": "application/pdf",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv; charset=utf-8",
    "zip": "application/zip",
}


@dataclass(frozen=True)
class ReportKind:
    code: str
    label: Any  # a lazy translated string
    formats: tuple[str, ...]
    #: ``clean(user, raw)`` → the parameters to store; raises ``ValidationError`` (field map).
    clean: Callable[[Any, dict[str, Any]], dict[str, Any]]
    #: ``render(job, out)`` writes the file for ``job`` to ``out``.
    render: Callable[[ReportJob, IO[bytes]], None]
    capability: str = Capability.EXPORT
    #: ``describe(parameters)`` → (label, value) pairs a person reads (report covers, pages).
    describe: Callable[[dict[str, Any]], list[tuple[str, str]]] | None = None
    #: ``finished(job)`` runs once the job's file and digest are saved (the evidence pack
    #: writes its digest into the change log).
    finished: Callable[[ReportJob], None] | None = None


def clean_filters(filterset_class: Any, raw: dict[str, Any], *, user: Any = None) -> dict[str, Any]:
    """Report parameters that are a list page's filters: validated by the page's filter set
    for ``user``, the requester (a row they may not see is no choice: ``ScopedFilterSet``;
    without a user, no governed row is), unknown names refused (not ignored), a single
    value of a multiple-choice filter made a list, empty values dropped. Raises
    ``ValidationError`` naming each bad parameter."""
    import django_filters
    from django.core.exceptions import ValidationError
    from django.utils.translation import gettext as _

    known = set(filterset_class.base_filters)
    unknown = sorted(set(raw) - known)
    if unknown:
        raise ValidationError({name: [_("Unknown parameter.")] for name in unknown})
    multiple = {
        name
        for name, f in filterset_class.base_filters.items()
        if isinstance(f, django_filters.MultipleChoiceFilter)
    }
    data = {k: [v] if k in multiple and isinstance(v, str) else v for k, v in raw.items()}
    model = filterset_class._meta.model
    filters = filterset_class(data, queryset=model._default_manager.none(), user=user)
    if not filters.is_valid():
        raise ValidationError({k: [str(m) for m in v] for k, v in filters.errors.items()})
    return {k: v for k, v in data.items() if v not in ("", None, [])}


def describe_filters(filterset_class: Any, parameters: dict[str, Any]) -> list[tuple[str, str]]:
    """The filters of ``parameters`` as their labels and the labels of their values, in the
    current language: "Life cycle stage: Operation and monitoring"."""
    from django.db.models import Model
    from django.utils.translation import gettext as _

    form = filterset_class(parameters, queryset=filterset_class._meta.model.objects.none()).form
    form.is_valid()
    described = []
    for name, field in form.fields.items():
        value = form.cleaned_data.get(name)
        if value in (None, "", []) or name not in parameters:
            continue
        choices = {str(code): label for code, label in getattr(field, "choices", [])}
        values = value if isinstance(value, list | tuple) else [value]
        shown = []
        for item in values:
            if isinstance(item, bool):
                shown.append(_("yes") if item else _("no"))
            elif isinstance(item, Model):
                shown.append(str(item))
            else:
                shown.append(str(choices.get(str(item), item)))
        described.append((str(field.label or name), ", ".join(shown)))
    return described
