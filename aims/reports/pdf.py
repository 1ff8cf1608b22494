"""PDF reports with WeasyPrint: one base template (cover, table of contents, page numbers) and
the Japanese font shipped in ``static/fonts``, embedded in every PDF, so Japanese text has real
glyphs whatever fonts the machine has.

Resources are fetched only from the project's ``static`` folder: a report never reaches the
network or the file system elsewhere, whatever a record's text contains.
"""

from __future__ import annotations

import functools
import re
from importlib import metadata
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

STATIC = (Path(settings.BASE_DIR) / "static").resolve()


def static_path(url: str) -> Path:
    """The file under ``static/`` that ``url`` names, decoded and resolved as the fetch will
    open it (``%2e%2e`` is ``..``, symbolic links followed). Raises ``ValueError`` for any URL
    that is not a local ``file:`` URL of a file inside the static folder."""
    parts = urlsplit(url)
    if parts.scheme.lower() != "file" or parts.netloc not in ("", "localhost"):
        raise ValueError(f"report resources come from the static folder only: {url!r}")
    path = Path(unquote(parts.path)).resolve()
    if not path.is_relative_to(STATIC):
        raise ValueError(f"report resources come from the static folder only: {url!r}")
    return path


def _static_only_fetcher() -> Any:
    from weasyprint.urls import URLFetcher

    class StaticOnlyFetcher(URLFetcher):
        """Fetches files under ``static/`` and nothing else; any failure stops the rendering
        (a report without its font would show no Japanese)."""

        def fetch(self, url: str, headers: Any = None) -> Any:
            # Fetch exactly the file that was checked, never the URL (or a request) as given.
            checked = static_path(url).as_uri()
            self._request = None
            return super().fetch(checked, headers)

    return StaticOnlyFetcher(allowed_protocols={"file"}, fail_on_errors=True)


def platform_version() -> str:
    try:
        return metadata.version("aims-platform")
    except metadata.PackageNotFoundError:  # running from a checkout that was not installed
        return "dev"


def report_context(job: Any, **extra: Any) -> dict[str, Any]:
    """What every report's cover shows: organisation and scope, when and by whom it was made,
    the job number (its version) and the platform version."""
    from aims.models import Organization

    organization = Organization.objects.order_by("pk").first()
    return {
        "organization": organization,
        "job": job,
        "language": job.language,
        "generated_at": timezone.localtime(),
        "platform_version": platform_version(),
        "requested_by": job.requested_by,
        **extra,
    }


#: Rules of WeasyPrint's HTML stylesheet that match every element for pseudo-elements the
#: reports never use (footnotes, notes): each gives every element of a report six more styles
#: to compute and keep.
_UNUSED_PSEUDO_RULES = re.compile(r"(?m)^::(?:footnote|note)-[a-z]+ \{[^}\n]*\}$")


@functools.cache
def user_agent_stylesheet() -> Any:
    """WeasyPrint's HTML stylesheet with list markers styled on list items only and without the
    footnote and note rules (reports have none): the same rendering, about a tenth less work
    in a long register. The stock stylesheet if its text is not what this expects."""
    from weasyprint import CSS
    from weasyprint import html as weasy_html
    from weasyprint.css.counters import CounterStyle

    text = weasy_html.UA.replace("\n::marker {", "\nli::marker, summary::marker {", 1)
    text, removed = _UNUSED_PSEUDO_RULES.subn("", text)
    if removed != 5 or "li::marker" not in text:
        return weasy_html.UA_STYLESHEET
    # Its counter styles are already those of every document (WeasyPrint's own parse).
    return CSS(string=text, counter_style=CounterStyle())


def _report_html(**kwargs: Any) -> Any:
    from weasyprint import HTML

    class ReportHTML(HTML):
        def _ua_stylesheets(self, forms: bool = False) -> list[Any]:
            return [user_agent_stylesheet(), *super()._ua_stylesheets(forms)[1:]]

    return ReportHTML(**kwargs)


def render_pdf(template: str, context: dict[str, Any], out: IO[bytes]) -> None:
    html = render_to_string(template, context)
    document = _report_html(
        string=html, base_url=f"{STATIC.as_uri()}/", url_fetcher=_static_only_fetcher()
    )
    document.write_pdf(out)
