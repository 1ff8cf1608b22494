"""Filters of the evidence pack list (page and API)."""

from __future__ import annotations

import django_filters
from django.utils.translation import gettext_lazy as _

from aims.choices import ReportStatus
from aims.filters import ScopedFilterSet
from audit.choices import PackPreset
from audit.models import EvidencePack


class EvidencePackFilter(ScopedFilterSet):
    preset = django_filters.ChoiceFilter(label=_("Preset"), choices=PackPreset.choices)
    status = django_filters.ChoiceFilter(
        label=_("Status"), field_name="job__status", choices=ReportStatus.choices
    )

    class Meta:
        model = EvidencePack
        fields = ["preset", "status", "audit"]
