"""The API's JSON renderer (``aims.api.renderers``): orjson, writing what DRF's renderer
writes, byte for byte (every endpoint's answers are compared in tests/api_cases.py; here the
values the endpoints rarely hold)."""

from __future__ import annotations

import datetime
import decimal
import enum
import json
import uuid
from collections import OrderedDict

import pytest
from django.db import models
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy, override
from rest_framework import renderers
from rest_framework.utils.serializer_helpers import ReturnDict, ReturnList

from aims.api.renderers import JSONRenderer


class Level(enum.IntEnum):
    HIGH = 3


class Kind(models.TextChoices):
    POLICY = "policy", "Policy"


DOCUMENT = {
    "text": 'リスク登録簿 \u2028 line \u2029 paragraph "quoted" \\ \t',
    "numbers": [0, -1, 2**62, 1.5, 0.00025, 1e16, 3.0, None, True, False],
    "when": datetime.datetime(2026, 12, 7, 9, 30, 15, 123456, tzinfo=datetime.UTC),
    "local": datetime.datetime(
        2026, 12, 7, 18, 30, tzinfo=datetime.timezone(datetime.timedelta(hours=9))
    ),
    "naive": datetime.datetime(2026, 12, 7, 9, 30),
    "day": datetime.date(2026, 12, 7),
    "time": datetime.time(9, 30, 15, 5000),
    "duration": datetime.timedelta(days=1, seconds=5),
    "amount": decimal.Decimal("12.50"),
    "id": uuid.UUID("12345678-1234-5678-1234-567812345678"),
    "label": gettext_lazy("Risk register"),
    "safe": mark_safe("<b>kept as text</b>"),
    "level": Level.HIGH,
    "kind": Kind.POLICY,
    "pair": (1, "two"),
    "rows": ReturnList([ReturnDict({"a": 1}, serializer=None)], serializer=None),
    "ordered": OrderedDict([("z", 1), ("a", 2)]),
    "nested": {"empty": {}, "list": [], "deep": [[{"x": [None]}]]},
}


@pytest.mark.parametrize("language", ["en", "ja"])
def test_it_writes_what_drf_writes(language, monkeypatch):
    with override(language):
        expected = renderers.JSONRenderer().render(DOCUMENT)
        # Written by orjson, not by falling back to DRF's renderer.
        monkeypatch.setattr(renderers.JSONRenderer, "render", lambda *a, **k: pytest.fail())
        assert JSONRenderer().render(DOCUMENT) == expected


def test_a_float_below_one_ten_thousandth_is_the_same_number_written_shorter():
    tiny = {"small": [1e-7, 1e-5, -2.5e-9]}
    ours, drfs = JSONRenderer().render(tiny), renderers.JSONRenderer().render(tiny)
    assert (ours, drfs) == (
        b'{"small":[1e-7,0.00001,-2.5e-9]}',
        b'{"small":[1e-07,1e-05,-2.5e-09]}',
    )
    assert json.loads(ours) == json.loads(drfs) == tiny


def test_what_orjson_refuses_is_written_by_drf():
    huge = {"beyond 64 bits": 2**70, "keys": {1: "one"}}
    assert JSONRenderer().render(huge) == renderers.JSONRenderer().render(huge)


def test_indented_json_and_no_data_are_drfs():
    asked = "application/json; indent=2"
    assert JSONRenderer().render(DOCUMENT, asked, {}) == renderers.JSONRenderer().render(
        DOCUMENT, asked, {}
    )
    assert b"\n  " in JSONRenderer().render({"a": 1}, asked, {})
    assert JSONRenderer().render(None) == b""
