"""Pages of the coverage part of the controls app: how far the Statement of Applicability
covers the items of other frameworks (the AI Guidelines for Business, NIST AI RMF, …) through
the library's crosswalks, per framework and per item."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import path
from django.utils.translation import gettext_lazy as _

from aims.models import Framework
from aims.permissions import Policy
from aims.roles import Capability
from aims.views.base import PageView
from controls.selectors import coverage as selectors
from controls.selectors.evidence import SUMMARY_SAMPLE


class CoverageForm(forms.Form):
    """The page's filters: which items (by status) and against which SoA version."""

    coverage = forms.ChoiceField(
        label=_("Coverage"),
        required=False,
        choices=[
            ("", _("Any")),
            (selectors.COVERED, _("Covered")),
            (selectors.PARTLY, _("Partly covered")),
            (selectors.NONE, _("Not covered")),
        ],
    )
    soa = forms.CharField(
        label=_("SoA version (id)"),
        required=False,
        help_text=_("Empty: the working version."),
    )


def _version(request: HttpRequest, form: forms.Form) -> Any:
    """The SoA version of the page, or the form's error on ``soa``."""
    try:
        return selectors.coverage_version(request.user, form.cleaned_data.get("soa"))
    except ValidationError as error:
        for message in error.message_dict.get("soa", error.messages):
            form.add_error("soa", message)
        return None


class CoverageView(PageView):
    """Every framework crosswalked to Annex A with the share of its items covered."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = Framework
    selector = staticmethod(selectors.coverage_frameworks)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = CoverageForm(request.GET)
        form.fields.pop("coverage")
        version = _version(request, form) if form.is_valid() else None
        if form.errors:
            context = {"form": form, "filters": {"form": form}, "results": []}
            return render(request, "controls/coverage.html", context, status=400)
        results = selectors.framework_coverage(self.rows(), user=request.user, version=version)
        context = {
            "form": form,
            "filters": {"form": form},
            "version": version,
            "results": results,
            "soa_parameter": form.cleaned_data.get("soa") or "",
            "export_parameters": [("soa", version.pk)] if version is not None else [],
        }
        return render(request, "controls/coverage.html", context)


class CoverageFrameworkView(PageView):
    """One framework item by item: its coverage and what reaches it (SoA rows, controls,
    evidence), filtered by coverage."""

    policy = Policy(read=Capability.SEE_RECORDS)
    model = Framework
    selector = staticmethod(selectors.frameworks_for_coverage)

    def get(self, request: HttpRequest, pk: int) -> HttpResponse:
        framework = self.get_object(pk)
        form = CoverageForm(request.GET)
        version = _version(request, form) if form.is_valid() else None
        if form.errors:
            context = {"form": form, "filters": {"form": form}, "framework": framework}
            return render(request, "controls/coverage_framework.html", context, status=400)
        [result] = selectors.framework_coverage(
            [framework], user=request.user, version=version, named=SUMMARY_SAMPLE
        )
        wanted = form.cleaned_data.get("coverage")
        items = [item for item in result.items if not wanted or item.status == wanted]
        context = {
            "form": form,
            "filters": {"form": form},
            "framework": framework,
            "version": version,
            "result": result,
            "items": items,
            "export_parameters": [("framework", framework.pk)]
            + ([("soa", version.pk)] if version is not None else []),
        }
        return render(request, "controls/coverage_framework.html", context)


urlpatterns: list[Any] = [
    path("coverage/", CoverageView.as_view(), name="coverage"),
    path("coverage/<int:pk>/", CoverageFrameworkView.as_view(), name="coverage_framework"),
]
