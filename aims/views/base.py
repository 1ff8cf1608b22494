"""Base classes of every page of every app.

A page declares its ``Policy`` (who may call it) and, when it is about a model's rows, the
``selector`` that shapes them. ``PageView.rows()`` restricts them once (``aims.scope``) with
the action the policy implies for the request, so an object the user may not see, or may not
change on a page that changes it, is a 404. The generic views below fold what every app's
pages did by hand: a list with filters and pages, a create-or-edit form that calls a service
and puts the service's errors on the form, and a workflow step.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views import View

from aims.forms.base import form_errors
from aims.pagination import Count, KeysetPage, paginate_keyset
from aims.permissions import PolicyViewMixin
from aims.scope import restrict

PAGE_SIZE = 50


def paginate(
    request: HttpRequest,
    queryset: Any,
    per_page: int = PAGE_SIZE,
    count: Count | int | None = None,
    prefix: str = "",
) -> KeysetPage:
    """The page of ``queryset`` the request asks for (``?cursor=``, or ``?page=`` within the
    first rows), by keyset (``aims.pagination``). A link that is not valid shows the first
    page with a message saying why. ``prefix`` names the parameters of a second list on
    the same page."""
    cursor = request.GET.get(f"{prefix}cursor")
    number = None if cursor else request.GET.get(f"{prefix}page")
    try:
        return paginate_keyset(queryset, cursor=cursor, page=number, per_page=per_page, count=count)
    except ValidationError as error:
        messages.warning(request, " ".join(error.messages))
        return paginate_keyset(queryset, per_page=per_page, count=count)


def safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


def query_parameters(request: HttpRequest, valid: bool = True) -> list[tuple[str, str]]:
    """The page's query parameters but the page number (an export of a filtered list
    renders the same rows); none when the filters were not valid."""
    if not valid:
        return []
    return [
        (k, v) for k, values in request.GET.lists() if k not in ("page", "cursor") for v in values
    ]


def filtered(
    filterset_class: Any,
    request: HttpRequest,
    rows: QuerySet[Any],
    prepare: Callable[[Any], None] | None = None,
) -> tuple[Any, Any, bool]:
    """The page's filter set over ``rows``, the rows it keeps (all of them when the filters
    are not valid: the form shows why) and whether they were valid. The filter set has the
    request (a ``ScopedFilterSet`` offers the user's rows as choices); ``prepare(filters)``
    adjusts the form first."""
    filters = filterset_class(request.GET or None, queryset=rows, request=request)
    if prepare is not None:
        prepare(filters)
    valid = not filters.is_bound or filters.is_valid()
    kept = filters.qs if valid else filterset_class(queryset=rows, request=request).qs
    return filters, kept, valid


class PageView(PolicyViewMixin, View):
    """A page. When it is about a model, ``rows()`` are the user's rows of it for the
    request's action (view, or change when the policy asks for a right to change records)."""

    model: ClassVar[type[Model] | None] = None
    #: ``selector()`` shaping the model's rows; wrap in ``staticmethod``.
    selector: ClassVar[Callable[[], QuerySet[Any]] | None] = None
    request: HttpRequest

    def base_queryset(self) -> QuerySet[Any]:
        selector = type(self).selector
        if selector is not None:
            return selector()
        assert self.model is not None, f"{type(self).__name__} names no model or selector"
        return self.model._default_manager.all()

    def row_action(self) -> str:
        return self.policy.row_action(method=self.request.method or "GET")

    def rows(self) -> QuerySet[Any]:
        return restrict(self.base_queryset(), self.request.user, self.row_action())

    def get_object(self, pk: Any) -> Any:
        return get_object_or_404(self.rows(), pk=pk)


class ListPageView(PageView):
    """A list: the user's rows, narrowed by ``filterset_class`` (when set), 50 a page."""

    template_name: str
    filterset_class: ClassVar[Any] = None

    def prepare_filters(self, filters: Any) -> None:
        """Adjust the filter form before it validates (its choices of governed rows are the
        user's already: ``ScopedFilterSet``)."""

    def list_rows(self, rows: QuerySet[Any]) -> Any:
        """The rows shown (after the filters); override to add what only the page reads."""
        return rows

    def get_context_data(self, **context: Any) -> dict[str, Any]:
        return context

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        rows = self.rows()
        filters, valid = None, True
        if self.filterset_class is not None:
            filters, rows, valid = filtered(
                self.filterset_class, request, rows, self.prepare_filters
            )
        context = self.get_context_data(
            filters=filters,
            page=paginate(request, self.list_rows(rows)),
            export_parameters=query_parameters(request, valid),
        )
        return render(request, self.template_name, context)


class EditPageView(PageView):
    """Create (no ``pk``) or change (``pk``) one record with a form, through a service.

    Subclasses give ``form_class`` (or ``get_form``), ``save(form, obj)`` (the service call,
    returning the record) and ``success_url(obj)``. A service's ``ValidationError`` lands on
    the form fields it names; the page answers 400 with the form.
    """

    template_name: str
    form_class: ClassVar[Any] = None
    object_name: ClassVar[str] = "object"
    success_message: ClassVar[Any] = None

    def get_object_or_none(self, pk: Any) -> Any:
        return None if pk is None else self.get_object(pk)

    def get_form(self, obj: Any, data: Any = None, files: Any = None) -> forms.BaseForm:
        if issubclass(self.form_class, forms.ModelForm):
            return self.form_class(data, files, instance=obj, initial=self.initial(obj))
        return self.form_class(data, files, initial=self.initial(obj))

    def initial(self, obj: Any) -> dict[str, Any]:
        return {}

    def save(self, form: Any, obj: Any) -> Any:
        raise NotImplementedError

    def success_url(self, obj: Any) -> str:
        raise NotImplementedError

    def get_success_message(self, obj: Any) -> str:
        if self.success_message is not None:
            return str(self.success_message) % {"name": obj}
        return _("“%(name)s” was saved.") % {"name": obj}

    def get_context_data(self, form: Any, obj: Any) -> dict[str, Any]:
        return {"form": form, self.object_name: obj}

    def render_form(self, form: Any, obj: Any, status: int = 200) -> HttpResponse:
        context = self.get_context_data(form, obj)
        return render(self.request, self.template_name, context, status=status)

    def get(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_or_none(pk)
        return self.render_form(self.get_form(obj), obj)

    def post(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        obj = self.get_object_or_none(pk)
        # A model form writes what it cleans into its instance. Given the record itself, the
        # service would take its "before" snapshot from the edited state: the change log would
        # miss the change. The form validates on a copy; the service changes the record.
        form = self.get_form(copy.copy(obj), request.POST, request.FILES)
        if form.is_valid():
            try:
                saved = self.save(form, obj)
            except ValidationError as error:
                form_errors(form, error)
            else:
                messages.success(request, self.get_success_message(saved))
                return redirect(self.success_url(saved))
        return self.render_form(form, obj, status=400)


class StepView(PageView):
    """One step on one record (POST only): ``run(obj)`` calls the service. A refusal
    (``ValidationError``) becomes a message; either way the user goes back to the record."""

    http_method_names = ["post"]
    done_message: ClassVar[Any] = None

    def run(self, obj: Any) -> Any:
        raise NotImplementedError

    def redirect_url(self, obj: Any, result: Any) -> str:
        target = result if isinstance(result, Model) else obj
        return target.get_absolute_url()

    def post(self, request: HttpRequest, pk: Any, **kwargs: Any) -> HttpResponse:
        obj = self.get_object(pk)
        try:
            result = self.run(obj)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
            return redirect(self.redirect_url(obj, None))
        messages.success(request, str(self.done_message or _("Done.")))
        return redirect(self.redirect_url(obj, result))


class UnderParentMixin:
    """A create page under a parent record whose id is in the URL (an audit in a programme, a
    finding of an audit): the parent is read with the page's ``model``, ``selector`` and
    policy (404 when unseen) and kept as ``parent_attr``; the page then creates as its edit
    page does with no object."""

    parent_attr = "parent"

    def get(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        setattr(self, self.parent_attr, self.get_object(pk))  # type: ignore[attr-defined]
        return super().get(request, None)  # type: ignore[misc]

    def post(self, request: HttpRequest, pk: Any = None, **kwargs: Any) -> HttpResponse:
        setattr(self, self.parent_attr, self.get_object(pk))  # type: ignore[attr-defined]
        return super().post(request, None)  # type: ignore[misc]
