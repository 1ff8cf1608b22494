"""The AI system inventory."""

from __future__ import annotations

from typing import Any

import factory
from django.contrib.auth.models import Group

from aims.models import AISystem
from aims.services.inventory import ai_system_create, ai_system_grant
from tests.factories.base import ServiceFactory


class AISystemFactory(ServiceFactory):
    """An AI system registered by ``ai_system_create``. ``granted_to=[user_or_group, ...]``
    grants it to each (``ai_system_grant``, one change record each), so an operational
    member sees and changes it; without grants only the roles that see all records see it."""

    class Meta:
        model = AISystem

    name = factory.Sequence(lambda n: f"AI system {n:03d}")
    version = "1.0"
    purpose = factory.LazyAttribute(lambda s: f"What {s.name} is for")

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> AISystem:
        return ai_system_create(actor=actor, **fields)

    @factory.post_generation
    def granted_to(self, create: bool, extracted: Any, **kwargs: Any) -> None:
        for grantee in extracted or ():
            if isinstance(grantee, Group):
                ai_system_grant(actor=None, system=self, group=grantee)
            else:
                ai_system_grant(actor=None, system=self, user=grantee)
