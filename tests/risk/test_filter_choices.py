"""A filter bar's long choice list is sent on demand (``aims.widgets.LazySelect``,
``/filter-choices/``): the page carries "Any" and the chosen row only; the list answers the
reader's own rows, searched, never a row hidden from them."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from aims.services.inventory import ai_system_create, ai_system_grant
from aims.widgets import LazySelect

KEY = "risk.filters.RiskPageFilter"


@pytest.fixture
def systems(operator):
    made = [ai_system_create(actor=None, name=f"系統 {n:02d}", purpose="p") for n in range(6)]
    for system in made[:3]:
        ai_system_grant(actor=None, system=system, user=operator)
    hidden = ai_system_create(actor=None, name="SecretGamma", purpose="p")
    return made, hidden


def _select(html: str) -> str:
    return re.search(r'<select[^>]*name="ai_system".*?</select>', html, re.S).group(0)


def _options(html: str) -> list[str]:
    return re.findall(r'<option value="([^"]*)"', html)


def test_a_long_list_carries_only_any_and_the_chosen_row(officer, client_for, systems, monkeypatch):
    made, _hidden = systems
    monkeypatch.setattr(LazySelect, "LAZY_FROM", 3)
    client = client_for(officer)
    select = _select(client.get(reverse("risks")).content.decode())
    assert "data-choices-url=" in select and _options(select) == [""]
    chosen = _select(client.get(reverse("risks"), {"ai_system": made[4].pk}).content.decode())
    assert _options(chosen) == ["", str(made[4].pk)] and "selected" in chosen
    assert f"selected={made[4].pk}" in chosen


def test_a_filter_set_built_to_filter_rows_resolves_no_url(officer, systems, monkeypatch):
    """A report job filters its rows with the page's filter set: the lazy list's URL is made
    only when the widget is drawn (a worker need not load the URL configuration for it)."""
    import aims.filters
    from risk.filters import RiskPageFilter
    from risk.models import Risk

    made, _hidden = systems
    real_reverse = aims.filters.reverse
    monkeypatch.setattr(aims.filters, "reverse", lambda *a, **k: pytest.fail("reversed"))
    filtered = RiskPageFilter({"ai_system": made[0].pk}, queryset=Risk.objects.all())
    assert filtered.is_valid(), filtered.errors
    assert list(filtered.qs) == []
    monkeypatch.setattr(aims.filters, "reverse", real_reverse)
    monkeypatch.setattr(LazySelect, "LAZY_FROM", 3)
    drawn = str(filtered.form["ai_system"])
    assert f'data-choices-url="{reverse("filter_choices")}?list={KEY}' in drawn.replace(
        "&amp;", "&"
    )


def test_a_short_list_renders_whole(officer, client_for, systems):
    select = _select(client_for(officer).get(reverse("risks")).content.decode())
    assert "data-choices-url" not in select and len(_options(select)) == 1 + 7


def test_the_list_answers_the_readers_rows_searched(officer, operator, client_for, systems):
    made, hidden = systems
    url = reverse("filter_choices")
    every = client_for(officer).get(url, {"list": KEY, "field": "ai_system"})
    assert every.status_code == 200
    assert set(_options(every.content.decode())) == {"", *(str(s.pk) for s in [*made, hidden])}
    searched = client_for(officer).get(url, {"list": KEY, "field": "ai_system", "q": "gamma"})
    assert _options(searched.content.decode()) == ["", str(hidden.pk)]
    own = client_for(operator).get(
        url, {"list": KEY, "field": "ai_system", "q": "", "selected": hidden.pk}
    )
    assert set(_options(own.content.decode())) == {"", *(str(s.pk) for s in made[:3])}
    asked = client_for(operator).get(url, {"list": KEY, "field": "ai_system", "q": "Secret"})
    assert "SecretGamma" not in asked.content.decode()


@pytest.mark.parametrize(
    "params",
    [{}, {"list": "nope", "field": "ai_system"}, {"list": KEY, "field": "title"}],
)
def test_an_unknown_list_or_field_is_not_found(officer, client_for, params, systems):
    assert client_for(officer).get(reverse("filter_choices"), params).status_code == 404


def test_a_bad_chosen_id_is_ignored(officer, client_for, systems):
    response = client_for(officer).get(
        reverse("filter_choices"), {"list": KEY, "field": "ai_system", "selected": "x'"}
    )
    assert response.status_code == 200 and "selected" not in response.content.decode()
