"""The base of every factory of a governed record: its create step is the app's service."""

from __future__ import annotations

from typing import Any

import factory
from django.db import models


class ServiceFactory(factory.django.DjangoModelFactory):
    """Makes a record by calling the service production code calls, never by saving a model
    directly, so that the invariants the service checks hold and its change records are
    written exactly as in production.

    ``actor`` is who the service records as having made the change: ``None`` (the default)
    is the platform itself (a command or task), which no grant restricts. Subclasses implement
    ``create_through_service(actor=..., **fields)``; ``build()`` is refused, since a record
    built without its service would skip both.
    """

    class Meta:
        abstract = True
        skip_postgeneration_save = True

    actor = None

    @classmethod
    def create_through_service(cls, *, actor: Any, **fields: Any) -> models.Model:
        raise NotImplementedError

    @classmethod
    def _create(cls, model_class: type[models.Model], *args: Any, **kwargs: Any) -> Any:
        actor = kwargs.pop("actor", None)
        return cls.create_through_service(actor=actor, **kwargs)

    @classmethod
    def _build(cls, model_class: type[models.Model], *args: Any, **kwargs: Any) -> Any:
        raise TypeError(f"{cls.__name__} creates through the service; build() would skip it")
