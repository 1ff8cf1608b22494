"""Submitting a page's form as a browser would: every field with the value the page shows,
textareas with their line breaks as CR LF (HTML's form submission normalises them so)."""

from __future__ import annotations

from html.parser import HTMLParser
from typing import Any


class _FormReader(HTMLParser):
    def __init__(self, form_id: str | None) -> None:
        super().__init__(convert_charrefs=True)
        self.form_id = form_id
        self.inside = False
        self.done = False
        self.fields: list[tuple[str, str]] = []
        self._textarea: str | None = None
        self._text: list[str] = []
        self._select: str | None = None
        self._option: dict[str, Any] | None = None
        self._option_text: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: (v if v is not None else "") for k, v in attrs}
        if tag == "form" and not self.done:
            wanted = a.get("id") == self.form_id if self.form_id else not a.get("action")
            if wanted and a.get("method", "get").lower() == "post":
                self.inside = True
            return
        if not self.inside:
            return
        name = a.get("name")
        if tag == "input" and name and "disabled" not in a:
            kind = a.get("type", "text").lower()
            if kind in ("checkbox", "radio"):
                if "checked" in a:
                    self.fields.append((name, a.get("value", "on")))
            elif kind not in ("submit", "button", "file", "reset", "image"):
                self.fields.append((name, a.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea, self._text = name, []
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select:
            self._option = a
            self._option_text = []

    def handle_data(self, data: str) -> None:
        if self._textarea is not None:
            self._text.append(data)
        elif self._option is not None:
            self._option_text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self.inside:
            self.inside, self.done = False, True
        elif tag == "textarea" and self._textarea is not None:
            text = "".join(self._text)
            if text.startswith("\n"):  # the HTML parser drops one leading newline
                text = text[1:]
            text = text.replace("\r\n", "\n").replace("\n", "\r\n")
            self.fields.append((self._textarea, text))
            self._textarea = None
        elif tag == "option" and self._option is not None:
            if "selected" in self._option:
                value = self._option.get("value", "".join(self._option_text))
                self.fields.append((self._select or "", value))
            self._option = None
        elif tag == "select":
            self._select = None


def form_fields(html: str, form_id: str | None = None) -> dict[str, Any]:
    """The values the first POST form of ``html`` that posts to the page itself (or the form
    ``form_id``) sends as it stands; a name sent several times maps to a list."""
    reader = _FormReader(form_id)
    reader.feed(html)
    data: dict[str, Any] = {}
    for name, value in reader.fields:
        if name in data:
            data[name] = (
                [*data[name], value] if isinstance(data[name], list) else [data[name], value]
            )
        else:
            data[name] = value
    return data
