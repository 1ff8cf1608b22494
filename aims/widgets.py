"""Form widgets shared by every app."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from django import forms
from django.forms.utils import flatatt
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy


class FastSelect(forms.Select):
    """A select rendered with one string join instead of a template per option. A filter of
    a 2,000-system inventory otherwise spends most of a page's time rendering its options.
    Option groups are not supported (the filters have none)."""

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, {**(attrs or {}), "name": name})
        if self.allow_multiple_selected:
            final_attrs["multiple"] = True
        values = value if isinstance(value, list | tuple) else [value]
        selected = {str(v) for v in values if v not in (None, "")}
        # Every value escaped with the standard library's ``escape`` (quotes too) and joined
        # once: ``format_html`` per option was half of a 2,000-option select's time.
        options = "".join(
            f'<option value="{escape(str(code))}"'
            f"{' selected' if str(code) in selected else ''}>{escape(str(label))}</option>"
            for code, label in self.choices
        )
        return format_html("<select{}>{}</select>", flatatt(final_attrs), mark_safe(options))  # noqa: S308


class LazySelect(FastSelect):
    """A choice of one among many (more than ``LAZY_FROM``: the AI systems or controls of a
    large organisation). The page carries only "Any" and the chosen row; ``aims.js`` asks
    ``url`` for the rest when the list is opened, and for the rows matching what is typed in
    its search box, so a filter bar costs the same with 2,000 or 20,000 systems. A list of
    fewer choices renders whole, as ``FastSelect`` (also without JavaScript)."""

    LAZY_FROM = 1_000

    def __init__(self, url: str, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.url = url

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        iterator: Any = self.choices
        queryset = getattr(iterator, "queryset", None)
        if queryset is None or len(queryset.values_list("pk")[: self.LAZY_FROM + 1]) <= (
            self.LAZY_FROM
        ):
            return super().render(name, value, attrs, renderer)
        chosen = [v for v in (value if isinstance(value, list | tuple) else [value]) if v]
        shown = type(iterator)(iterator.field)
        shown.queryset = chosen_rows(queryset, chosen)
        url = f"{self.url}&{urlencode({'selected': chosen[0]})}" if chosen else self.url
        lazy = type(self)(self.url, {**self.attrs, "data-choices-url": url})
        lazy.choices = shown
        return FastSelect.render(lazy, name, value, attrs, renderer)


def chosen_rows(queryset: Any, values: list[Any]) -> Any:
    """The rows of ``queryset`` among ``values`` (none for a value that is not an id)."""
    try:
        return queryset.filter(pk__in=[int(v) for v in values])
    except (TypeError, ValueError):
        return queryset.none()


class FastSelectMultiple(FastSelect):
    """A list box for the API's filters; the page filters show every multiple choice as a
    ``CheckboxGroup`` instead (``aims.filters.ScopedFilterSet`` swaps it)."""

    allow_multiple_selected = True

    def value_from_datadict(self, data: Any, files: Any, name: str) -> Any:
        return forms.SelectMultiple().value_from_datadict(data, files, name)

    def value_omitted_from_data(self, data: Any, files: Any, name: str) -> bool:
        return False


class CheckboxGroup(forms.CheckboxSelectMultiple):
    """A multiple choice as a group of checkboxes, rendered with one string join (as
    ``FastSelect``), the shared widget of every page filter and of the forms that pick several
    library items. Works without JavaScript; ``static/js/aims.js`` adds a search box to a
    group of more than ``SEARCH_FROM`` choices.

    ``collapsible`` (filters): the group folds into a ``<details>`` whose summary names the
    chosen values, or "Any" when none is chosen, so a filter bar stays one line high."""

    SEARCH_FROM = 8
    is_group = True

    def __init__(
        self, attrs: dict[str, Any] | None = None, choices: Any = (), *, collapsible: bool = False
    ) -> None:
        super().__init__(attrs, choices)
        self.collapsible = collapsible

    def render(
        self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None
    ) -> SafeString:
        final_attrs = self.build_attrs(self.attrs, attrs or {})
        base_id = final_attrs.pop("id", None) or f"id_{name}"
        values = value if isinstance(value, list | tuple) else [value]
        selected = {str(v) for v in values if v not in (None, "")}
        choices = [(str(code), label) for code, label in self.choices if code not in (None, "")]
        prefix = f'<label><input type="checkbox" name="{escape(name)}" value="'
        ident = escape(base_id)
        boxes = mark_safe(  # noqa: S308  (every value escaped, as in ``FastSelect``)
            "".join(
                f'{prefix}{escape(code)}" id="{ident}_{index}"'
                f"{' checked' if code in selected else ''}> {escape(str(label))}</label>"
                for index, (code, label) in enumerate(choices)
            )
        )
        search = (
            format_html(' data-searchable data-search-label="{}"', _("Search the choices"))
            if len(choices) > self.SEARCH_FROM
            else ""
        )
        group = format_html(
            '<div class="checks" role="group" id="{}"{}{}>{}</div>',
            base_id,
            flatatt({k: v for k, v in final_attrs.items() if k.startswith("aria-")}),
            search,
            boxes,
        )
        if not self.collapsible:
            return group
        chosen = [str(label) for code, label in choices if code in selected]
        summary = ", ".join(chosen[:2]) + (f" +{len(chosen) - 2}" if len(chosen) > 2 else "")
        return format_html(
            '<details class="checks-menu"><summary>{}</summary>{}</details>',
            summary or _("Any"),
            group,
        )

    def id_for_label(self, id_: str, index: str | None = None) -> str:
        return id_ if index is None else f"{id_}_{index}"


class AnyYesNoSelect(forms.NullBooleanSelect):
    """A yes/no filter whose empty choice reads "Any" (Django's reads "Unknown")."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", _lazy("Any")), ("true", _lazy("Yes")), ("false", _lazy("No"))]


class LabelledChoiceIterator(forms.models.ModelChoiceIterator):
    """The choices of a model whose label is made of a few of its fields (``LABEL_FIELDS``,
    joined by its ``label_of``, which its ``__str__`` uses too), read as plain values: a
    filter of 2,000 AI systems or controls otherwise builds 2,000 model instances on every
    page it is on. A model without ``LABEL_FIELDS`` is read as Django reads it."""

    def __iter__(self) -> Any:
        model = self.queryset.model
        fields = getattr(model, "LABEL_FIELDS", None)
        if fields is None:
            yield from super().__iter__()
            return
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for pk, *values in self.queryset.values_list("pk", *fields):
            yield (pk, model.label_of(*values))
