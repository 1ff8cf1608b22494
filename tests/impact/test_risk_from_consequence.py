""" "Create a risk" from a consequence opens the risk form prefilled from it (title, owner,
treatment plan, AI system, positions, a link back); saving registers the risk and links it to
the consequence. Bad input is refused on the form and registers nothing."""

from __future__ import annotations

from typing import Any

from django.urls import reverse

from aims.choices import Role
from impact.models import ImpactEntry
from impact.services import impact_assessment_create, impact_entry_create
from risk.models import Risk
from tests.impact.conftest import area, party


def consequence(author, system, owner=None) -> ImpactEntry:
    assessment = impact_assessment_create(
        actor=author,
        ai_system=system,
        intended_use="不審者検知",
        severity=3,
        likelihood=2,
        **({"owner": owner} if owner else {}),
    )
    return impact_entry_create(
        actor=author,
        assessment=assessment,
        party_type=party("minorities"),
        impact_area=area("privacy"),
        description="顔画像の無断取得",
        severity=3,
        likelihood=2,
        planned_mitigations="撮影範囲の限定と掲示",
    )


def posted(form: Any, **changes: Any) -> dict[str, Any]:
    """The form as the browser sends it back, with ``changes``."""
    data: dict[str, Any] = {}
    for name, field in form.fields.items():
        value = form.initial.get(name, field.initial)
        if value is None:
            continue
        if isinstance(value, list | tuple):
            data[name] = [getattr(v, "pk", v) for v in value]
        else:
            data[name] = getattr(value, "pk", value)
    data.setdefault("treatment_option", "not_decided")
    data.setdefault("status", "open")
    data.update(changes)
    return data


def test_the_risk_form_is_prefilled_and_saving_links_the_risk(
    make_user, officer, system, client_for
):
    owner = make_user(Role.OPERATIONAL_MEMBER, username="assessment_owner")
    entry = consequence(officer, system, owner=owner)
    client = client_for(officer)
    url = reverse("impact_entry_risk_create", args=[entry.pk])
    for page in ("impact_assessment", "impact_entry_risks"):
        pk = entry.assessment_id if page == "impact_assessment" else entry.pk
        # "Create a risk" leads to the form, it registers nothing yet.
        assert url in client.get(reverse(page, args=[pk])).content.decode()
    assert not Risk.objects.exists()
    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert 'data-testid="from-consequence"' in html
    assert reverse("impact_assessment", args=[entry.assessment_id]) in html
    form = page.context["form"]
    assert form.initial["title"] == f"{system.name}: 顔画像の無断取得"
    assert form.initial["owner"] == owner
    assert form.initial["ai_systems"] == [system]
    assert form.initial["treatment_plan"] == "撮影範囲の限定と掲示"
    assert form.initial["matrix"] == entry.assessment.matrix
    assert (form.initial["inherent_likelihood"], form.initial["inherent_impact"]) == (2, 3)

    response = client.post(
        url, posted(form, title="無断撮影による肖像権侵害", treatment_option="change_likelihood")
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    risk = Risk.objects.get()
    assert risk.title == "無断撮影による肖像権侵害"
    assert risk.owner == owner and risk.treatment_option == "change_likelihood"
    assert risk.treatment_plan == "撮影範囲の限定と掲示"
    assert list(risk.ai_systems.all()) == [system]
    assert list(entry.risks.all()) == [risk]


def test_a_risk_without_the_assessed_system_is_refused(officer, system, other_system, client_for):
    entry = consequence(officer, system)
    client = client_for(officer)
    url = reverse("impact_entry_risk_create", args=[entry.pk])
    form = client.get(url).context["form"]
    response = client.post(url, posted(form, ai_systems=[other_system.pk]))
    assert response.status_code == 400
    assert "顔画像認識AI" in response.content.decode()
    response = client.post(url, posted(form, title=""))
    assert response.status_code == 400
    assert not Risk.objects.exists() and not entry.risks.exists()


def test_only_those_who_may_change_the_assessment_open_the_form(
    operator, executive, system, client_for
):
    entry = consequence(None, system)
    url = reverse("impact_entry_risk_create", args=[entry.pk])
    assert client_for(operator).get(url).status_code == 404  # not granted
    assert client_for(executive).get(url).status_code == 403
