"""Forms of the reference library."""

from __future__ import annotations

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from aims.api.library import LIBRARY_IMPORT_MAX_BYTES


class LibraryImportForm(forms.Form):
    file = forms.FileField(
        label=gettext_lazy("Library file"),
        help_text=gettext_lazy(
            "A YAML file in the library format: an additional framework, a newer version of "
            "one, a crosswalk, or the licensed official text of a framework. For a later "
            "edition of a framework already loaded, keep its URN, raise its version above the "
            "one on the framework page and name the edition: its items are updated in place."
        ),
    )

    def clean_file(self):  # type: ignore[no-untyped-def]
        upload = self.cleaned_data["file"]
        if upload.size > LIBRARY_IMPORT_MAX_BYTES:
            raise ValidationError(_("The file is larger than 5 MB."))
        if not upload.name.lower().endswith((".yaml", ".yml")):
            raise ValidationError(_("Upload a .yaml file."))
        return upload
