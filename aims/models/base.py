"""Abstract bases shared by every app's models (no concrete inheritance)."""

from __future__ import annotations

from typing import Any, Self

from django.conf import settings
from django.core.validators import MaxLengthValidator, ProhibitNullCharactersValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

#: The longest free text a record's field holds (a description, a plan, a rationale).
TEXT_MAX_LENGTH = 20_000
#: The longest text of a document version (a policy or a procedure written in the platform).
DOCUMENT_TEXT_MAX_LENGTH = 200_000


class BoundedTextField(models.TextField):
    """Free text of at most ``TEXT_MAX_LENGTH`` characters (or the ``max_length`` given) and
    without NUL characters, checked by ``full_clean`` as well as by the forms and serializers
    built from the model (a plain ``TextField`` checks neither)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("max_length", TEXT_MAX_LENGTH)
        super().__init__(*args, **kwargs)
        self.validators.append(MaxLengthValidator(self.max_length))
        self.validators.append(ProhibitNullCharactersValidator())

    def to_python(self, value: Any) -> Any:
        return normalize_newlines(super().to_python(value))

    def pre_save(self, model_instance: models.Model, add: bool) -> Any:
        # Browsers send a textarea's line breaks as CR LF, the platform writes LF: stored as
        # sent, a text edited in the browser would differ from the one it came from by its line
        # breaks alone, and the change log would record a change nobody made. One form, LF, for
        # every path that saves (forms, API, imports, services), also on the instance, so the
        # snapshot taken after the save is what the database holds.
        value = normalize_newlines(getattr(model_instance, self.attname))
        setattr(model_instance, self.attname, value)
        return value


def normalize_newlines(value: Any) -> Any:
    """``value`` with its line breaks as LF (CR LF and a lone CR become LF); a non-string as
    it is."""
    if isinstance(value, str) and "\r" in value:
        return value.replace("\r\n", "\n").replace("\r", "\n")
    return value


class TimeStampedModel(models.Model):
    """Creation and last-change timestamps."""

    created_at = models.DateTimeField(_("created at"), auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True, editable=False)

    class Meta:
        abstract = True


class GovernedModel(TimeStampedModel):
    """A record of the AIMS whose every change is written to the change log by its services.

    ``CHANGE_LOG_EXCLUDE`` lists fields left out of the before/after snapshots (secrets, noise).
    """

    CHANGE_LOG_EXCLUDE: tuple[str, ...] = ("created_at", "updated_at")

    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("owner"),
        help_text=_("The person accountable for keeping this record current."),
        on_delete=models.PROTECT,
        related_name="+",
        null=True,
        blank=True,
    )

    class Meta:
        abstract = True


class ReviewableModel(GovernedModel):
    """A governed record that is reviewed periodically.

    The daily review-reminder job (``aims.services.reminders.review_reminders_send``) covers
    every model its app registers (``registry.add_reviewable`` in ``AppConfig.ready``); a new
    model subclasses this base, is registered and, where needed, adjusts the two hooks below:

    * ``REMINDER_DATE_FIELDS``: the names of the ``DateField``s the owner is reminded about.
      A record with a validity or expiry date adds it, e.g.
      ``REMINDER_DATE_FIELDS = ("next_review_on", "valid_until")``.
    * ``reminder_queryset()``: the rows still under review (all of them unless overridden,
      e.g. retired AI systems are left out). Add ``select_related`` here when ``__str__`` or
      ``get_absolute_url`` read related rows, so the job stays at a bounded number of queries.

    Rows without an owner (or whose owner is deactivated) are skipped: there is nobody to
    remind. The reminder links to ``get_absolute_url()`` when the model has one.
    """

    REMINDER_DATE_FIELDS: tuple[str, ...] = ("next_review_on",)

    review_interval_days = models.PositiveIntegerField(
        _("review interval (days)"),
        null=True,
        blank=True,
        help_text=_("How often the record is reviewed. Empty means no periodic review."),
    )
    next_review_on = models.DateField(
        _("next review"),
        null=True,
        blank=True,
        db_index=True,
        help_text=_("When the owner is next due to review the record."),
    )

    class Meta:
        abstract = True

    @classmethod
    def reminder_queryset(cls) -> models.QuerySet[Self]:
        """The rows the reminder job considers: every row unless a subclass narrows it."""
        return cls._default_manager.all()
