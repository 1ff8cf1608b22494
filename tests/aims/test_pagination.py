"""Keyset pages (``aims.pagination``): every ordering walks the whole list once, forwards
and backwards, in the order the database gives; bad cursors and page numbers out of reach are
refused with a clear message; counts are exact when cheap, else estimated and flagged."""

from __future__ import annotations

import datetime
import random

import pytest
from django.core.exceptions import ValidationError
from django.db.models import F
from django.urls import reverse

from aims import pagination
from aims.models import AISystem
from aims.pagination import (
    PAGE_NUMBER_ROWS,
    count_rows,
    decode_cursor,
    encode_cursor,
    ordering_keys,
    paginate_keyset,
)

ORDERINGS = [
    ("name", "version"),
    ("-updated_at",),
    ("next_review_on", "name"),  # nullable, nulls last going up
    ("-next_review_on", "name"),  # nullable going down, mixed directions
    ("lifecycle_stage", "-name"),  # few values, mixed directions
    ("-eu_ai_act_tier", "-lifecycle_stage", "id"),
]


@pytest.fixture
def systems(db):
    chooser = random.Random(15)
    stages = [value for value, _label in AISystem._meta.get_field("lifecycle_stage").choices]
    tiers = [value for value, _label in AISystem._meta.get_field("eu_ai_act_tier").choices]
    rows = [
        AISystem(
            name=f"System {chooser.randrange(40):02d}",
            version=str(index),
            purpose="p",
            lifecycle_stage=chooser.choice(stages),
            eu_ai_act_tier=chooser.choice(tiers),
            next_review_on=None
            if chooser.random() < 0.3
            else datetime.date(2027, 1, 1) + datetime.timedelta(days=chooser.randrange(20)),
        )
        for index in range(137)
    ]
    AISystem.objects.bulk_create(rows)
    return AISystem.objects.all()


def _walk_forward(queryset, per_page):
    page = paginate_keyset(queryset, per_page=per_page)
    seen = [row.pk for row in page]
    pages = 1
    while page.has_next:
        page = paginate_keyset(queryset, cursor=page.next_cursor, per_page=per_page)
        seen += [row.pk for row in page]
        pages += 1
        assert pages <= 137
    return seen


def _walk_backward(queryset, per_page):
    page = paginate_keyset(queryset, cursor=encode_cursor(None, reverse=True), per_page=per_page)
    assert not page.has_next and page.is_last
    seen = [row.pk for row in page]
    while page.has_previous:
        page = paginate_keyset(queryset, cursor=page.previous_cursor, per_page=per_page)
        seen = [row.pk for row in page] + seen
    return seen


@pytest.fixture(params=["index ranges", "ids of a short list"])
def way(request, monkeypatch):
    """Both ways a page is read: ranges of the ordering's index (a long list), and all the
    ids of a list known to be short (``SMALL_LIST``)."""
    monkeypatch.setattr(pagination, "SMALL_LIST", 0 if request.param == "index ranges" else 5_000)
    return request.param


@pytest.mark.parametrize("ordering", ORDERINGS)
@pytest.mark.parametrize("per_page", [1, 7, 50])
def test_every_ordering_walks_the_whole_list_once_each_way(systems, ordering, per_page, way):
    queryset = systems.order_by(*ordering)
    # The primary key breaks ties, in the direction of the last key (one index direction).
    total = [key.order for key in ordering_keys(queryset)]
    expected = list(queryset.order_by(*total).values_list("pk", flat=True))
    assert _walk_forward(queryset, per_page) == expected
    assert _walk_backward(queryset, per_page) == expected


def test_a_page_number_and_the_cursors_around_it_agree(systems, way):
    queryset = systems.order_by("next_review_on", "name")
    third = paginate_keyset(queryset, page="3", per_page=10)
    expected = list(queryset.order_by("next_review_on", "name", "id").values_list("pk", flat=True))
    assert [row.pk for row in third] == expected[20:30] and third.number == 3
    before = paginate_keyset(queryset, cursor=third.previous_cursor, per_page=10)
    after = paginate_keyset(queryset, cursor=third.next_cursor, per_page=10)
    assert [row.pk for row in before] == expected[10:20]
    assert [row.pk for row in after] == expected[30:40]


def test_ordering_keys_end_with_a_unique_key(systems):
    keys = ordering_keys(systems.order_by("-updated_at"))
    assert [(key.name, key.descending) for key in keys] == [("updated_at", True), ("id", True)]
    keys = ordering_keys(systems.order_by(F("name").desc(), "pk"))
    assert [(key.name, key.descending) for key in keys] == [("name", True), ("id", False)]
    assert [key.nullable for key in ordering_keys(systems.order_by("next_review_on"))] == [
        True,
        False,
    ]


@pytest.mark.parametrize(
    "cursor",
    ["", "not base64 !", "e30", encode_cursor(["x"]), "eyJyIjoyfQ", encode_cursor([1, 2, 3, 4])],
)
def test_a_cursor_that_is_not_ours_is_refused_with_a_message(systems, cursor):
    queryset = systems.order_by("name", "version")
    if cursor == "":
        assert len(paginate_keyset(queryset, cursor=cursor)) == 50  # no cursor: first page
        return
    with pytest.raises(ValidationError) as refused:
        paginate_keyset(queryset, cursor=cursor)
    assert "not valid" in refused.value.messages[0]


def test_a_cursor_of_the_wrong_type_for_the_keys_is_refused(systems):
    queryset = systems.order_by("next_review_on", "name")
    with pytest.raises(ValidationError):
        paginate_keyset(queryset, cursor=encode_cursor(["soon", "a", 1]))


def test_cursors_keep_dates_and_times():
    moment = datetime.datetime(2026, 12, 6, 10, 30, tzinfo=datetime.UTC)
    cursor = encode_cursor([moment, datetime.date(2026, 1, 2), None, "名前", 7], reverse=True)
    assert decode_cursor(cursor) == ([moment, datetime.date(2026, 1, 2), None, "名前", 7], True)


def test_page_numbers_reach_the_first_rows_only(systems):
    queryset = systems.order_by("name")
    with pytest.raises(ValidationError) as refused:
        paginate_keyset(queryset, page=PAGE_NUMBER_ROWS // 50 + 1, per_page=50)
    assert f"{PAGE_NUMBER_ROWS:,}" in refused.value.messages[0]
    for bad in ("0", "-1", "two"):
        with pytest.raises(ValidationError):
            paginate_keyset(queryset, page=bad)


def test_counts_are_exact_up_to_the_limit_then_estimated(systems):
    exact = count_rows(systems, limit=200)
    assert (exact.value, exact.is_estimate) == (137, False)
    assert exact.display() == "137"
    estimated = count_rows(systems, limit=100)
    assert estimated.is_estimate and estimated.value >= 101
    assert estimated.display().startswith("about ")


def test_counts_are_those_of_the_database_whatever_the_rows(systems, django_assert_num_queries):
    """A list of plain rows is counted by its ids in one statement (and, over the limit,
    estimated in a second one); a list of distinct or grouped rows, a list no row can meet,
    are counted as Django counts them."""
    staged = systems.filter(lifecycle_stage=systems.first().lifecycle_stage)
    for rows in (systems, staged, systems.exclude(pk__in=staged), systems.filter(name__gt="m")):
        expected = rows.count()
        with django_assert_num_queries(1):
            assert count_rows(rows, limit=500) == pagination.Count(expected, False)
    with django_assert_num_queries(2):
        assert count_rows(systems, limit=10).is_estimate
    joined = systems.filter(name__isnull=False).values("lifecycle_stage").distinct()
    assert count_rows(joined, limit=500).value == len({s.lifecycle_stage for s in systems})
    for nothing in (systems.none(), systems.filter(pk__in=[])):
        with django_assert_num_queries(0):
            assert count_rows(nothing) == pagination.Count(0, False)
    assert pagination.estimate_rows(systems.filter(pk__in=[])) == 0


def test_the_api_pages_by_cursor_and_says_whether_the_count_is_estimated(
    systems, officer, api_client_for, settings
):
    client = api_client_for(officer)
    url = reverse("api:ai-system-list")
    body = client.get(url, {"page_size": 60}).json()
    assert body["count"] == 137 and body["count_is_estimate"] is False
    assert body["previous"] is None and body["first"] is None and "cursor=" in body["last"]
    seen = [row["id"] for row in body["results"]]
    while body["next"]:
        body = client.get(body["next"]).json()
        seen += [row["id"] for row in body["results"]]
    assert seen == list(
        AISystem.objects.order_by("name", "version", "id").values_list("pk", flat=True)
    )
    back = client.get(body["previous"]).json()
    assert len(back["results"]) == 60
    settings.AIMS_EXACT_COUNT_LIMIT = 100
    estimated = client.get(url).json()
    assert estimated["count_is_estimate"] is True and estimated["count"] > 100


def test_the_api_refuses_a_bad_cursor_and_a_page_out_of_reach_and_changes_nothing(
    systems, officer, api_client_for
):
    client = api_client_for(officer)
    url = reverse("api:ai-system-list")
    bad = client.get(url, {"cursor": "garbage!"})
    assert bad.status_code == 400
    assert "cursor" in bad.json()["error"]["fields"]
    far = client.get(url, {"page": 100_000})
    assert far.status_code == 400 and "page" in far.json()["error"]["fields"]
    assert AISystem.objects.count() == 137


def test_a_list_page_shows_the_first_page_and_a_message_for_a_bad_link(
    systems, officer, client_for
):
    client = client_for(officer)
    response = client.get(reverse("ai_systems"), {"cursor": "garbage!"}, HTTP_ACCEPT_LANGUAGE="en")
    assert response.status_code == 200
    assert "This page link is not valid" in response.content.decode()
    assert len(response.context["page"]) == 50
    later = client.get(reverse("ai_systems"), {"cursor": response.context["page"].last_cursor})
    assert len(later.context["page"]) == 50 and later.context["page"].is_last
    assert 'rel="first"' in later.content.decode()
