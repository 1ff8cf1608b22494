"""No English in the Japanese UI: every page the demo organisation yields (lists, details,
forms, the reports page, the library, the change log) is rendered in Japanese and in English
for the officer and two other roles, and a visible text that is the same in both and reads as
English words is an untranslated UI string (the demo's records are Japanese, so user data
differs from UI text by language; the few English data of the demo are allowed below)."""

from __future__ import annotations

import io
import re
from collections import defaultdict
from html.parser import HTMLParser
from urllib.parse import urlsplit

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.test import Client
from django.urls import Resolver404, resolve

#: Pages of one URL name visited at most (a list of 50 risks needs only a couple of details).
PER_NAME = 3
SKIP_PREFIXES = ("/static/", "/media/", "/api/", "/admin/", "/accounts/logout/", "/language/")
#: Inside these elements text is code or an identifier, not UI language.
SKIP_ELEMENTS = {"script", "style", "code", "pre", "kbd", "samp", "textarea"}
VISIBLE_ATTRIBUTES = ("title", "placeholder", "aria-label", "alt")
ENGLISH_WORD = re.compile(r"[A-Za-z]{3,}")
#: Tokens that are the same in every language: names of standards, formats, products and
#: identifiers; and the English data of the demo (people's and the organisation's names).
ALLOWED = re.compile(
    # Bounded by what is not an ASCII letter or digit: a name runs on into Japanese
    # ("Tanakaさん"), where \b sees no boundary.
    r"(?<![A-Za-z0-9])(?:ISO/IEC|ISO|IEC|JIS|NIST|RMF|METI|AISI|OECD|GDPR|EU|AI|AIMS|PDF|CSV|XLSX|YAML|JSON|"
    r"JSONL|API|REST|OpenAPI|Swagger|URL|URN|UUID|SHA-256|SHA|HMAC|ZIP|HTML|htmx|Bearer|"
    r"Aiko|Sato|Kenji|Tanaka|Yuki|Suzuki|Haruto|Ito|Emma|Clark|Mei|Kobayashi|Sora|Yamada|"
    r"Example|Robotics|K\.K\.|GOVERN|MAP|MEASURE|MANAGE|AISI-\d+|CTL-\d+|CI/CD|GPU|LLM|"
    r"urn:[\w:.\-~]+|https?://\S+|[\w.+-]+@[\w.-]+|[\w-]+\.(?:yaml|pdf|csv|xlsx|json|md|txt)|"
    r"English|(?:officer|executive|operator|auditor2?|external_auditor|viewer))(?![A-Za-z0-9])"
)


VOID = {"area", "base", "br", "col", "embed", "hr", "img", "input", "link", "meta", "source", "wbr"}


class _Text(HTMLParser):
    """The visible texts of a page, leaving out code, form values being edited, text marked as
    another language (``lang="en"`` in a Japanese page: deliberate) and the change history
    (field-level history is the readable-history work's, tested there)."""

    def __init__(self, language: str) -> None:
        super().__init__(convert_charrefs=True)
        self.language = language
        self.stack: list[bool] = []  # per open element: is its content left out
        self.texts: list[str] = []

    def _skipping(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        lang = values.get("lang")
        classes = (values.get("class") or "").split()
        skip = (
            tag in SKIP_ELEMENTS
            or (tag != "html" and lang is not None and not lang.startswith(self.language))
            or "history" in classes
        )
        if not self._skipping() and not skip:
            self.texts.extend(values[name] or "" for name in VISIBLE_ATTRIBUTES if values.get(name))
        if tag not in VOID:
            self.stack.append(skip)

    def handle_endtag(self, tag: str) -> None:
        if tag not in VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if not self._skipping():
            self.texts.append(data)


def visible_texts(html: str, language: str = "ja") -> set[str]:
    parser = _Text(language)
    parser.feed(html)
    return {" ".join(t.split()) for t in parser.texts if t.strip()}


def _data_of_the_demo() -> set[str]:
    """Texts that are data, not UI: the column names of the inventory file format. (The
    shipped library gives its publishers and sources in Japanese too, so they are checked.)"""
    from aims.reports.inventory import COLUMNS

    return set(COLUMNS)


#: Pages whose text is owned by other work with its own walk test: the change log (readable
#: history names objects and fields in the reader's language).
OWNED_ELSEWHERE = ("/changes/",)


def reads_as_english(text: str) -> bool:
    return bool(ENGLISH_WORD.search(ALLOWED.sub(" ", text)))


#: A code printed for people: lowercase words joined by "-" or "_" ("end-users", "not_started").
CODE = re.compile(r"(?<![\w./:-])[a-z]+(?:[-_][a-z]+)+(?![\w./:-])")


def shows_a_code(text: str) -> bool:
    return bool(CODE.search(ALLOWED.sub(" ", text)))


def _links(html: str) -> list[str]:
    return re.findall(r'href="(/[^"#]*)"', html.replace("&amp;", "&"))


def walk(client: Client, start: str = "/") -> dict[str, str]:
    """Every page reachable by GET from ``start``, at most ``PER_NAME`` per URL name: url →
    its Japanese HTML."""
    seen: set[str] = set()
    per_name: dict[str, int] = defaultdict(int)
    pages: dict[str, str] = {}
    queue = [start]
    while queue:
        url = queue.pop(0)
        if url in seen or url.startswith(SKIP_PREFIXES):
            continue
        seen.add(url)
        try:
            name = resolve(urlsplit(url).path).url_name or url
        except Resolver404:
            continue
        if per_name[name] >= PER_NAME:
            continue
        per_name[name] += 1
        response = client.get(url, HTTP_ACCEPT_LANGUAGE="ja")
        if response.status_code != 200 or not response["Content-Type"].startswith("text/html"):
            continue
        html = response.content.decode()
        pages[url] = html
        queue.extend(_links(html))
    return pages


def untranslated(client: Client, skip: tuple[str, ...] = ()) -> dict[str, set[str]]:
    found: dict[str, set[str]] = {}
    data = _data_of_the_demo()
    columns = re.compile(r"\b(?:" + "|".join(sorted(data, key=len, reverse=True)) + r")\b")
    for url, ja_html in walk(client).items():
        if url.startswith(OWNED_ELSEWHERE + skip):
            continue
        en_html = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        ja_texts = visible_texts(ja_html)
        same = ja_texts & visible_texts(en_html, "en")
        english = {text for text in same if reads_as_english(text)}
        english |= {text for text in ja_texts if shows_a_code(columns.sub(" ", text))}
        english -= data
        if english:
            found[url] = english
    return found


@pytest.fixture
def demo(db, settings):
    settings.DEMO_PASSWORD = "demo-password-for-tests"
    call_command("load_demo", stdout=io.StringIO())
    return {u.username: u for u in get_user_model().objects.all()}


def test_the_detector_tells_ui_english_from_identifiers_and_data():
    assert reads_as_english("Risk register")
    assert reads_as_english("end-users エンドユーザー")
    assert not reads_as_english("ISO/IEC 42001 6.1.2 リスクアセスメント")
    assert not reads_as_english("R-00012 · PDF · CSV")
    assert not reads_as_english("Aiko Sato")
    assert not reads_as_english("Kenji Tanakaさんが承認しました。")
    assert shows_a_code("end-users エンドユーザー") and shows_a_code("not_started")
    assert not shows_a_code("R-00012 urn:aims:framework:taxonomy-impact-areas x.yaml")
    assert not shows_a_code("2026-11-30 ISO/IEC 42001")
    html = (
        '<p title="Help">テキスト<code>end-users</code><br><span lang="en">Summary</span></p>'
        '<section class="history"><dt>owner_id</dt></section><textarea>data</textarea>後'
    )
    assert visible_texts(html) == {"Help", "テキスト", "後"}


@pytest.mark.parametrize("username", ["officer", "executive", "auditor"])
def test_every_demo_page_reads_in_japanese(demo, username):
    client = Client()
    client.force_login(demo[username])
    # Notifications are written in their recipient's language when they are sent: the demo
    # auditor reads English, so theirs are English data, whatever language the page is in.
    english_reader = demo[username].profile.language == "en"
    found = untranslated(client, skip=("/notifications/",) if english_reader else ())
    report = "\n".join(f"{url}: {sorted(texts)}" for url, texts in sorted(found.items()))
    assert not found, f"English in the Japanese UI:\n{report}"
