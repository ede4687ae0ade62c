"""A crawl of the demo as each of its users, in English and Italian, in headless Chromium.

For anonymous visitors and the six demo accounts, in both languages, the crawl follows every
navigation link and, from each page, one link per kind of page (an organisation, a cluster,
a project, a need...). Every page must answer below 500, fit a 390 px wide phone screen
without sideways scrolling, and, in Italian, show no English: no string of the English
locale that Italian translates differently, and no common English word, outside data values
(text inside an element marked `translate="no"` or with another `lang`).
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

import pytest

from filiera.app import create_app
from filiera.db import Database
from filiera.demo.access import DEMO_PASSWORD, demo_users
from filiera.demo.load import load_demo
from filiera.web.i18n import strings
from support.browser import live_server

if TYPE_CHECKING:
    from playwright.sync_api import Browser, Page

pytestmark = pytest.mark.browser

PHONE = {"width": 390, "height": 844}
PAGES_PER_VISITOR = 60
SKIPPED = re.compile(r"^/(static/|sign-out|docs$|openapi\.json)|\.(csv|ics|json|js)$")
ENGLISH_WORDS = re.compile(
    r"\b(the|and|of|with|for|from|read as|members|organisations|results|projects|page|(?<!open )"
    r"source|kind|country|evidence|stage|request|shared|no one|not stated|show)\b",
    re.IGNORECASE,
)
# Visible text that is not a data value: skip scripts, styles, and elements marked as data.
UI_TEXT_JS = """
() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  while (walker.nextNode()) {
    const node = walker.currentNode;
    const el = node.parentElement;
    if (!el || !node.textContent.trim()) continue;
    if (el.closest('script, style, noscript, [translate="no"], [hidden]')) continue;
    const marked = el.closest('[lang]');
    if (marked && marked !== document.documentElement && marked.lang !== 'it') continue;
    if (!el.getClientRects().length) continue;
    out.push(node.textContent.trim());
  }
  return out;
}
"""


@dataclass
class Demo:
    base: str
    accounts: dict[str, str] = field(default_factory=dict)  # role -> e-mail


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    """The demo dataset on SQLite, served live."""
    db = Database(f"sqlite:///{tmp_path_factory.mktemp('crawl')}/demo.db")
    db.upgrade()
    with db.session() as session:
        load_demo(session, synthetic=150)  # with the EU data shipped in the package
    roles = {
        user["role"]: user["email"]
        for user in demo_users(defaultdict(int), None)  # only the roles' e-mails are read
    }
    with live_server(create_app(db)) as base:
        yield Demo(base, roles)
    db.dispose()


def english_phrases() -> list[str]:
    """English UI strings that Italian says differently (placeholders cut out)."""
    english, italian = strings("en"), strings("it")
    phrases = set()
    for key, text in english.items():
        if italian.get(key, text) == text:
            continue
        for part in re.split(r"\{[^}]*\}", text):
            part = part.strip(" .,:;·()-")
            if len(part) >= 8 and " " in part:
                phrases.add(part)
    return sorted(phrases, key=len, reverse=True)


def shows_phrase(text: str, phrase: str) -> bool:
    """`phrase` in `text` as whole words: the Italian "1 secondo" is not the English
    "1 second"."""
    return re.search(rf"(?<!\w){re.escape(phrase)}(?!\w)", text) is not None


def route_kind(path: str) -> str:
    """`/organisations/12` -> `/organisations/{id}`: one link per kind of page is enough."""
    return re.sub(r"/\d+", "/{id}", path)


def links_on(page: Page, base: str) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(e => e.href)")
    paths = []
    for href in hrefs:
        parts = urlsplit(href)
        if f"{parts.scheme}://{parts.netloc}" != base or "lang=" in parts.query:
            continue
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        if not SKIPPED.search(parts.path):
            paths.append(path)
    return paths


@dataclass
class Finding:
    url: str
    problem: str


def check_page(page: Page, url: str, lang: str, phrases: list[str]) -> list[Finding]:
    found = []
    width = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    if width > 0:
        found.append(Finding(url, f"{width}px of sideways scroll at 390px"))
    if lang == "it":
        text = "\n".join(page.evaluate(UI_TEXT_JS))
        for phrase in phrases:
            if shows_phrase(text, phrase):
                found.append(Finding(url, f"English UI text: {phrase!r}"))
        for match in ENGLISH_WORDS.finditer(text):
            line = next(ln for ln in text.splitlines() if match.group(0) in ln)
            found.append(Finding(url, f"English word {match.group(0)!r} in {line[:80]!r}"))
            break
    return found


def crawl(page: Page, base: str, lang: str) -> list[Finding]:
    """Breadth-first over the nav links and one link per kind of page."""
    phrases = english_phrases()
    page.goto(f"{base}/?lang={lang}")
    queue = ["/", *links_on(page, base)]
    seen_kinds: set[str] = set()
    findings: list[Finding] = []
    visited = 0
    while queue and visited < PAGES_PER_VISITOR:
        path = queue.pop(0)
        kind = route_kind(path.split("?")[0]) + ("?" if "?" in path else "")
        if kind in seen_kinds:
            continue
        seen_kinds.add(kind)
        response = page.goto(base + path)
        visited += 1
        status = response.status if response else 0
        if status >= 500 or status == 0:
            findings.append(Finding(path, f"HTTP {status}"))
            continue
        findings += check_page(page, path, lang, phrases)
        queue += links_on(page, base)
    return findings


def sign_in(page: Page, base: str, email: str) -> None:
    page.goto(f"{base}/sign-in")
    page.fill("input[name=email]", email)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    page.wait_for_selector("[data-signed-in]")


VISITORS = ["anonymous", "viewer", "member", "investor", "buyer", "cluster_manager", "admin"]


@pytest.mark.parametrize("lang", ["en", "it"])
@pytest.mark.parametrize("visitor", VISITORS)
def test_every_page_works_on_a_phone_in_the_visitors_language(
    browser: Browser, demo: Demo, visitor: str, lang: str
) -> None:
    context = browser.new_context(viewport=PHONE)
    try:
        page = context.new_page()
        page.goto(f"{demo.base}/?lang={lang}")
        if visitor != "anonymous":
            sign_in(page, demo.base, demo.accounts[visitor])
        findings = crawl(page, demo.base, lang)
    finally:
        context.close()
    report = "\n".join(f"{f.url}: {f.problem}" for f in findings)
    assert not findings, f"{len(findings)} problems for {visitor} in {lang}:\n{report}"


def test_the_english_detector_is_not_blind() -> None:
    """Italian text passes; English UI strings and words are caught."""
    phrases = english_phrases()
    assert phrases, "no English phrase that Italian translates differently"
    assert not ENGLISH_WORDS.search("Organizzazioni del cluster, risultati della ricerca")
    assert ENGLISH_WORDS.search("kind = startup, sme")
    assert ENGLISH_WORDS.search("(text read as it)")
    assert "1 second" in phrases
    assert shows_phrase("Indice: 1 second fa", "1 second")
    assert not shows_phrase("Indice aggiornato 1 secondo fa", "1 second")
    assert route_kind("/organisations/12/people/3") == "/organisations/{id}/people/{id}"
