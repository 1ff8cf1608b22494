"""The organisation's controls and the tests of their effectiveness."""

from __future__ import annotations

from typing import Any

import factory
from django.utils import timezone

from controls.choices import TestMethod, TestResult
from controls.models import Control, ControlTest
from controls.services.controls import control_create, control_test_create
from tests.factories.base import ServiceFactory
from tests.factories.inventory import AISystemFactory


class ControlFactory(ServiceFactory):
    """A control registered by ``control_create`` for the AI systems ``ai_systems`` (a new one
    unless given; ``ai_systems=[]`` makes an organisation-wide control). ``requirement_links``:
    (requirement, note) pairs it satisfies."""

    class Meta:
        model = Control

    code = factory.Sequence(lambda n: f"CTL-T{n:04d}")
    name = factory.Sequence(lambda n: f"Control {n:03d}")
    ai_systems = factory.LazyFunction(lambda: [AISystemFactory()])

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> Control:
        return control_create(actor=actor, **fields)


class ControlTestFactory(ServiceFactory):
    """A test of ``control`` (a new control of a new AI system unless given), made by
    ``control_test_create`` (which keeps the control's last test date and result)."""

    class Meta:
        model = ControlTest

    control = factory.SubFactory(ControlFactory)
    tested_on = factory.LazyFunction(timezone.localdate)
    method = TestMethod.INSPECTION
    result = TestResult.EFFECTIVE
    findings = "Sampled records complete."

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> ControlTest:
        return control_test_create(actor=actor, **fields)
