"""The filters of the SoA page. The rows of a version are its snapshots (frozen or live), so
they are filtered as such, after reading, in the same constant number of queries."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from controls.choices import ImplementationStatus, JustificationType, SoaCheck

APPLICABLE = [
    ("", _("Any")),
    ("yes", _("Applicable")),
    ("no", _("Not applicable")),
    ("undecided", _("Not decided")),
]
CHECKS = [
    ("", _("Any")),
    ("any", _("Any check failing")),
    ("unwaived", _("A check failing, not waived")),
    *SoaCheck.choices,
]


class SoaFilterForm(forms.Form):
    applicable = forms.ChoiceField(label=_("Applicable"), choices=APPLICABLE, required=False)
    implementation_status = forms.ChoiceField(
        label=_("Implementation status"),
        choices=[("", _("Any")), *ImplementationStatus.choices],
        required=False,
    )
    justification_type = forms.ChoiceField(
        label=_("Justification type"),
        choices=[("", _("Any")), *JustificationType.choices],
        required=False,
    )
    check = forms.ChoiceField(label=_("Check failing"), choices=CHECKS, required=False)
    owner = forms.TypedChoiceField(label=_("Owner"), coerce=int, required=False, empty_value=None)

    def __init__(self, *args: Any, owners: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].choices = [("", _("Any")), *owners]  # type: ignore[attr-defined]


class SoaFilters:
    """What ``partials/filter_bar.html`` reads (``filters.form``)."""

    def __init__(self, data: Any, owners: list[tuple[int, str]]) -> None:
        self.form = SoaFilterForm(data or None, owners=owners)
        self.valid = not self.form.is_bound or self.form.is_valid()

    @property
    def is_bound(self) -> bool:
        return self.form.is_bound

    @property
    def errors(self) -> Any:
        return self.form.errors

    def is_valid(self) -> bool:
        return self.valid

    def keep(self, item: dict[str, Any]) -> bool:
        """Whether a row (``{"row", "shot", "checks"}``) passes the filters."""
        if not self.form.is_bound or not self.valid:
            return True
        data = self.form.cleaned_data
        shot, checks = item["shot"], item["checks"]
        applicable = data.get("applicable")
        if (
            applicable
            and {"yes": True, "no": False, "undecided": None}[applicable] != shot["applicable"]
        ):
            return False
        if (
            data.get("implementation_status")
            and shot["implementation_status"] != data["implementation_status"]
        ):
            return False
        if (
            data.get("justification_type")
            and shot["justification_type"] != data["justification_type"]
        ):
            return False
        if data.get("owner") is not None and item["row"].owner_id != data["owner"]:
            return False
        check = data.get("check")
        if check == "any":
            return bool(checks)
        if check == "unwaived":
            return any(not c.waived for c in checks)
        if check:
            return any(c.code == check for c in checks)
        return True
