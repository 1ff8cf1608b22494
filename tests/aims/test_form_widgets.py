"""Filters and forms people can use (issue 11, items 10 and 11): checkbox groups instead of
Ctrl-click list boxes, "Any" for an unset choice, an error summary that links to the fields,
checkboxes before their labels, and a reports page that offers only the formats a report kind
has (the server refuses another with a clear message)."""

from __future__ import annotations

import re

import pytest
from django import forms
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from aims.choices import LifecycleStage
from aims.filters import AISystemFilter, AISystemPageFilter
from aims.models import AISystem, ReportJob
from aims.services.inventory import ai_system_create
from aims.widgets import AnyYesNoSelect, CheckboxGroup


def _filter_bar(client) -> str:
    html = client.get(reverse("ai_systems"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    start = html.index('<form method="get" class="filters')
    return html[start : html.index("</form>", start)]


def test_a_multiple_choice_filter_is_a_group_of_checkboxes_not_a_list_box(officer, client_for):
    bar = _filter_bar(client_for(officer))
    assert "<select" in bar  # single choices stay selects
    assert " multiple" not in bar  # no Ctrl-click list box
    assert '<fieldset class="field field-group"><legend>Life cycle stage</legend>' in bar
    assert len(re.findall(r'<input type="checkbox" name="lifecycle_stage"', bar)) == len(
        LifecycleStage.choices
    )
    assert '<details class="checks-menu"><summary>Any</summary>' in bar


def test_the_checked_boxes_filter_and_the_summary_names_them(officer, client_for):
    ai_system_create(actor=None, name="In operation", purpose="x", lifecycle_stage="operation")
    ai_system_create(actor=None, name="Verifying", purpose="x", lifecycle_stage="verification")
    ai_system_create(actor=None, name="Designing", purpose="x", lifecycle_stage="design")
    response = client_for(officer).get(
        reverse("ai_systems"),
        {"lifecycle_stage": ["operation", "design"]},
        HTTP_ACCEPT_LANGUAGE="en",
    )
    html = response.content.decode()
    assert "In operation" in html and "Designing" in html and "Verifying" not in html
    assert re.search(r'name="lifecycle_stage" value="operation" id="[^"]+" checked', html)
    assert "<summary>Design, Operation and monitoring</summary>" in html


def test_an_unset_choice_and_an_unset_yes_no_read_any_not_unknown(officer, client_for):
    bar = _filter_bar(client_for(officer))
    assert '<option value="unknown" selected>Any</option>' in bar  # review due, retired
    assert "Unknown" not in bar
    assert '<option value="">Any</option>' in bar  # owner, AI type
    assert "---------" not in bar


def test_the_widgets_keep_the_api_and_exports_parameters():
    form = AISystemPageFilter(
        {"lifecycle_stage": ["operation", "design"], "retired": "false", "ai_type": ""},
        queryset=AISystem.objects.all(),
    ).form
    assert isinstance(form.fields["lifecycle_stage"].widget, CheckboxGroup)
    assert isinstance(form.fields["retired"].widget, AnyYesNoSelect)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["lifecycle_stage"] == ["operation", "design"]
    assert form.cleaned_data["retired"] is False
    assert form.fields["sort"].empty_label is None  # the sort has no empty choice


def test_a_long_choice_list_is_searchable():
    widget = CheckboxGroup(choices=[(str(n), f"A.{n}") for n in range(38)])
    html = widget.render("controls", ["3"], attrs={"id": "id_controls"})
    assert 'data-searchable data-search-label="Search the choices"' in html
    assert html.count('type="checkbox"') == 38
    assert 'value="3" id="id_controls_3" checked' in html
    short = CheckboxGroup(choices=[("a", "A"), ("b", "B")]).render("x", None)
    assert "data-searchable" not in short


class _Form(forms.Form):
    title = forms.CharField(label="Title")
    notify = forms.BooleanField(label="Notify the owner", required=False)


def test_a_checkbox_comes_before_its_label_on_one_line():
    html = render_to_string("partials/form.html", {"form": _Form()})
    assert re.search(
        r'<span class="checkbox-line"><input type="checkbox" name="notify" id="id_notify"> '
        r'<label for="id_notify">Notify the owner</label></span>',
        html,
    )
    assert '<label for="id_title">Title' in html


def test_an_invalid_form_opens_with_a_summary_that_links_to_each_field(officer, client_for):
    response = client_for(officer).post(
        reverse("objective_create"), {"title": ""}, HTTP_ACCEPT_LANGUAGE="en"
    )
    assert response.status_code == 400
    html = response.content.decode()
    summary = html[
        html.index('<div class="error-summary') : html.index(
            "</div>", html.index('<div class="error-summary')
        )
    ]
    assert 'role="alert" tabindex="-1" autofocus data-error-summary' in summary
    assert "Please correct the following" in summary
    assert '<a href="#id_title">Title</a>: This field is required.' in summary
    assert html.index("error-summary") < html.index('name="title"')  # at the top
    assert 'src="/static/js/aims.js"' in html  # moves the focus and follows the links


def test_a_valid_form_has_no_summary(officer, client_for):
    html = client_for(officer).get(reverse("objective_create")).content.decode()
    assert "error-summary" not in html


# --- The reports page ----------------------------------------------------------------------


def test_the_reports_page_offers_each_kind_only_its_formats(officer, client_for):
    html = client_for(officer).get(reverse("reports"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    offered = set(re.findall(r'name="report" value="([a-z_]+):([a-z]+)"', html))
    assert ("ai_system_inventory", "xlsx") in offered and ("ai_system_inventory", "csv") in offered
    assert ("ai_system_inventory", "pdf") not in offered  # the inventory has no PDF
    assert 'name="format"' not in html.split("report-request")[1].split("</form>")[0]


def test_a_report_button_requests_its_kind_and_format(officer, client_for):
    response = client_for(officer).post(
        reverse("reports"), {"report": "ai_system_inventory:csv", "language": "en"}
    )
    job = ReportJob.objects.get()
    assert response.status_code == 302 and response["Location"] == reverse("report", args=[job.pk])
    assert (job.kind, job.format, job.language, job.parameters) == (
        "ai_system_inventory",
        "csv",
        "en",
        {},
    )


@pytest.mark.parametrize(
    "fields",
    [{"report": "ai_system_inventory:pdf"}, {"kind": "ai_system_inventory", "format": "pdf"}],
)
def test_an_unsupported_format_is_refused_with_a_clear_message(officer, client_for, fields):
    response = client_for(officer).post(
        reverse("reports"),
        {**fields, "language": "en"},
        HTTP_ACCEPT_LANGUAGE="en",
        HTTP_REFERER=reverse("reports"),
        follow=True,
    )
    assert not ReportJob.objects.exists()
    html = response.content.decode()
    with translation.override("en"):
        assert (
            "Format: “AI system inventory” is not offered as PDF. Choose one of: XLSX, CSV." in html
        )


def test_the_widgets_hold_after_the_api_schema_built_the_filters_fields():
    """drf-spectacular reads each class filter's form field, which caches it on the class;
    the filter bar built afterwards still has its checkbox groups and "Any" labels."""
    from drf_spectacular.generators import SchemaGenerator

    SchemaGenerator().get_schema(request=None, public=True)
    form = AISystemFilter({}, queryset=AISystem.objects.none()).form
    assert isinstance(form.fields["lifecycle_stage"].widget, CheckboxGroup)


@pytest.mark.django_db
def test_a_long_list_of_systems_reads_values_labelled_as_the_systems_read(
    officer, operator, django_assert_num_queries
):
    """The filter bars' long lists (AI systems, controls) are read as plain values, in one
    query, labelled exactly as the records name themselves, and only with the rows the reader
    sees; the labels are escaped."""
    from django.test import RequestFactory

    from risk.filters import RiskFilter
    from tests.factories import AISystemFactory

    seen = AISystemFactory(name="Chat <bot>", version="2.1", granted_to=[operator])
    hidden = AISystemFactory(name="Scoring", version="")

    def bar(user) -> tuple[list, str]:
        request = RequestFactory().get("/risks/")
        request.user = user
        field = RiskFilter(request.GET, request=request).form.fields["ai_system"]
        with django_assert_num_queries(1):
            choices = [choice for choice in field.choices]  # noqa: C416  (no len(): no count)
        return choices, field.widget.render("ai_system", str(seen.pk))

    choices, html = bar(officer)
    assert [(str(pk), label) for pk, label in choices[1:]] == [
        (str(seen.pk), str(seen)),
        (str(hidden.pk), str(hidden)),
    ]
    assert f'<option value="{seen.pk}" selected>Chat &lt;bot&gt; 2.1</option>' in html
    choices, html = bar(operator)
    assert [label for _pk, label in choices[1:]] == ["Chat <bot> 2.1"]
    assert "Scoring" not in html
