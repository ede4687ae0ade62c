"""News ingestion: files, URLs, web pages, feeds, encodings, language and duplicates."""

from __future__ import annotations

import datetime
import io
import os
import random
import socket
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest

from filiera.errors import ValidationFailed
from filiera.news.fetch import MAX_BYTES, USER_AGENT, fetch_url
from filiera.news.ingest import (
    SAME_STORY,
    Document,
    Fetched,
    InputError,
    InputProblem,
    detect_language,
    read_bytes,
    read_inputs,
    story_similarity,
)
from filiera.news.stories import fingerprint, story_signature

ROOT = Path(__file__).resolve().parents[1]
SEEDS = Path(os.environ.get("FILIERA_NEWS_SEEDS", ROOT.parent / "shared" / "seeds"))
SEED_FILES = {
    "000": "000_1492e5012d442c67.txt",
    "001": "001_52684338360db07c.txt",
    "002": "002_83cfa4acf9553f0e.txt",
    "003": "003_c918fa75a9d502f2.txt",
}


def seed_path(number: str) -> Path:
    path = SEEDS / SEED_FILES[number]
    if not path.is_file():
        if os.environ.get("CI") == "true":
            pytest.fail(f"seed article {path} missing under CI=true", pytrace=False)
        pytest.skip(f"seed articles not found in {SEEDS} (set FILIERA_NEWS_SEEDS)")
    return path


def seed_text(number: str) -> str:
    return seed_path(number).read_text(encoding="utf-8")


def only_document(data: bytes | str, source: str = "article.txt", **options) -> Document:
    raw = data.encode("utf-8") if isinstance(data, str) else data
    documents = read_bytes(raw, source, **options)
    assert len(documents) == 1
    return documents[0]


def problem_reason(data: bytes, source: str = "input.txt") -> str:
    with pytest.raises(InputError) as caught:
        read_bytes(data, source)
    assert source in caught.value.message
    return caught.value.reason


# --- the seed articles (text dumps of web pages) -------------------------------------------


@pytest.mark.parametrize(
    ("number", "title", "published", "url"),
    [
        (
            "000",
            "Lancio ufficiale di LuxDefence per rafforzare l'industria della difesa a "
            "beneficio dell'UE e della NATO",
            datetime.date(2025, 11, 28),
            "https://www.assocamerestero.com/notizie/lancio-ufficiale-luxdefence-rafforzare-"
            "lindustria-della-difesa-beneficio-dellue-della-nato",
        ),
        # The dump starts with the body; the headline is the page's own teaser card.
        (
            "001",
            "I capitali privati e le industrie per la Difesa si riuniscono a Berlino. "
            "C’è anche l’Italia",
            None,
            None,
        ),
        # Starts with a dateline and the body: no headline in the dump at all.
        ("002", None, datetime.date(2025, 11, 6), None),
        (
            "003",
            "I distretti aerospaziali lombardo e piemontese fanno sinergia",
            datetime.date(2025, 11, 5),
            None,
        ),
    ],
)
def test_seed_articles_read_with_title_date_language_and_url(
    number: str, title: str | None, published: datetime.date | None, url: str | None
) -> None:
    [document] = read_inputs([str(seed_path(number))])
    assert isinstance(document, Document), document
    assert (document.title, document.published, document.url) == (title, published, url)
    assert document.lang == "it"
    assert document.kind == "text"
    assert document.source == str(seed_path(number))


def test_seed_text_loses_markdown_links_and_reference_lists_but_keeps_paragraphs() -> None:
    document = only_document(seed_text("000"))
    assert "Notizie mercati esteri" in document.text
    assert "Camera di Commercio Italo-Lussemburghese a.s.b.l)" in document.text
    for noise in ("](#)", "[1]", "[2]", "Source URL", "https://", "Collegamenti"):
        assert noise not in document.text
    assert '"in cui il Lussemburgo possa apportare valore e scalabilità"' in document.text
    assert "\n\nIl 24 novembre è stata ufficialmente lanciata LuxDefence" in document.text


def test_seed_with_single_line_breaks_gets_one_paragraph_per_line() -> None:
    document = only_document(seed_text("002"))
    paragraphs = document.text.split("\n\n")
    assert "L’appello di Rutte all’industria della difesa" in paragraphs
    assert paragraphs[0].startswith("Bruxelles, 6 novembre 2025 – Il segretario generale")
    assert paragraphs[0].endswith("già operative.")


def test_hard_wrapped_text_is_joined_into_paragraphs() -> None:
    text = (
        "Rheinmetall opens a new shell plant in Lower Saxony\n\n"
        "Unterlüß, 5 November 2025 - Rheinmetall has opened a new ammunition plant\n"
        "in Lower Saxony, which will produce up to 350,000 artillery shells per year\n"
        "when it reaches full capacity in 2027.\n\n"
        "The company invested about 500 million euros in the site.\n"
    )
    document = only_document(text)
    assert document.text.split("\n\n") == [
        "Rheinmetall opens a new shell plant in Lower Saxony",
        "Unterlüß, 5 November 2025 - Rheinmetall has opened a new ammunition plant in Lower "
        "Saxony, which will produce up to 350,000 artillery shells per year when it reaches "
        "full capacity in 2027.",
        "The company invested about 500 million euros in the site.",
    ]
    assert document.title == "Rheinmetall opens a new shell plant in Lower Saxony"
    assert document.published == datetime.date(2025, 11, 5)
    assert document.lang == "en"


@pytest.mark.parametrize(
    ("first_lines", "title", "published"),
    [
        (
            "Skip to main content\nHome > News > Defence\nParis, le 12 mars 2025 –",
            None,
            datetime.date(2025, 3, 12),
        ),
        (
            "Home Notizie Difesa Spazio Industria Eventi Contatti\nVenerdì 7 marzo 2025\n"
            "Difesa aerea, firmato il contratto per i nuovi radar",
            "Difesa aerea, firmato il contratto per i nuovi radar",
            datetime.date(2025, 3, 7),
        ),
        (
            "Veröffentlicht am 3. Februar 2025\nDie Bundeswehr bestellt neue Munition in Unterlüß",
            "Die Bundeswehr bestellt neue Munition in Unterlüß",
            datetime.date(2025, 2, 3),
        ),
        (
            "[News](https://example.org/news) [3]\nPublished: March 4, 2025\n"
            "Leonardo and Rheinmetall sign a tank deal",
            "Leonardo and Rheinmetall sign a tank deal",
            datetime.date(2025, 3, 4),
        ),
    ],
)
def test_titles_skip_page_furniture_and_dates_in_each_language(
    first_lines: str, title: str | None, published: datetime.date
) -> None:
    body = (
        "The ministry confirmed the order for artillery shells on Tuesday, and the first "
        "deliveries are expected before the end of next year according to the company."
    )
    document = only_document(f"{first_lines}\n\n{body}\n")
    assert (document.title, document.published) == (title, published)


PAGE_DUMPS = {
    "fr": (
        "Aller au contenu principal\nAccueil > Actualités > Défense\n"
        "KNDS France livre les premiers canons Caesar MkII à l'armée de Terre\n"
        "Publié le 3 mars 2025 à 10h15\n"
        "Le groupe KNDS France a livré mardi à Bourges les six premiers canons Caesar MkII "
        "commandés par la Direction générale de l'armement. La cadence atteindra douze "
        "canons par mois d'ici la fin de l'année, a précisé l'entreprise.\nPartager\n",
        "KNDS France livre les premiers canons Caesar MkII à l'armée de Terre",
    ),
    "de": (
        "Zum Inhalt springen\nStartseite | Wirtschaft | Rüstung\nMontag, 3. März 2025\n"
        "Rheinmetall erhält Großauftrag für Artilleriemunition\n"
        "Düsseldorf (dpa) – Der Rüstungskonzern Rheinmetall hat von der Bundeswehr einen "
        "Rahmenvertrag über Artilleriemunition im Wert von bis zu 8,5 Milliarden Euro "
        "erhalten. Die Auslieferung soll 2025 beginnen.\n",
        "Rheinmetall erhält Großauftrag für Artilleriemunition",
    ),
    "en": (
        "Menu\nHome News Defence Industry Space\n"
        "BAE Systems wins £1bn contract for Challenger 3 ammunition\nBy Jane Smith\n"
        "LONDON, March 3, 2025 — BAE Systems has won a contract worth about £1 billion to "
        "supply ammunition for the British Army's new Challenger 3 tanks, the Ministry of "
        "Defence said on Monday.\n",
        "BAE Systems wins £1bn contract for Challenger 3 ammunition",
    ),
}


@pytest.mark.parametrize("lang", sorted(PAGE_DUMPS))
def test_page_dumps_in_other_languages_read_title_date_and_language(lang: str) -> None:
    text, title = PAGE_DUMPS[lang]
    document = only_document(text)
    assert (document.title, document.published, document.lang) == (
        title,
        datetime.date(2025, 3, 3),
        lang,
    )


# --- web pages -----------------------------------------------------------------------------

PAGE = """<!doctype html>
<html lang="en"><head><title>Defence Daily | Rheinmetall opens shell plant</title>
<link rel="canonical" href="/news/rheinmetall-plant">
<meta property="article:published_time" content="2025-11-05T10:00:00+01:00">
</head><body>
<nav><ul><li><a href="/">Home</a></li><li><a href="/news">News</a></li>
<li><a href="/contact">Contact us</a></li></ul></nav>
<header><p>Defence Daily - the newsletter for the defence industry</p></header>
<article><h1>Rheinmetall opens a new shell plant in Lower Saxony</h1>
<p>Rheinmetall has opened a new ammunition plant in Unterlüß, Lower Saxony, which will
produce up to 350,000 artillery shells per year when it reaches full capacity in 2027.</p>
<h2>A large investment</h2>
<p>The company invested about 500 million euros in the site, which will employ 500 people.
The German government welcomed the opening as a step towards European readiness.</p>
<p>NATO Secretary General Mark Rutte attended the ceremony together with Defence Minister
Boris Pistorius and the chief executive Armin Papperger.</p></article>
<aside><h3>Most read</h3><p><a href="/a">Another story about tanks</a></p></aside>
<footer><p>Copyright 2025 Defence Daily. All rights reserved. Cookie settings.</p></footer>
</body></html>"""


def test_html_page_gives_main_text_title_date_and_canonical_url() -> None:
    document = only_document(PAGE, "page.html", url="https://daily.example/n?id=7")
    assert document.kind == "html"
    assert document.title == "Rheinmetall opens a new shell plant in Lower Saxony"
    assert document.published == datetime.date(2025, 11, 5)
    assert document.url == "https://daily.example/news/rheinmetall-plant"
    assert document.lang == "en"
    assert document.text.startswith(  # the headline stays, as in text files
        "Rheinmetall opens a new shell plant in Lower Saxony\n\n"
        "Rheinmetall has opened a new ammunition plant in Unterlüß, Lower Saxony, which will "
        "produce up to 350,000 artillery shells per year when it reaches full capacity in 2027."
    )
    assert "\n\nA large investment\n\n" in document.text
    assert "Armin Papperger." in document.text
    for chrome in ("Contact us", "newsletter", "Copyright", "Another story", "Most read"):
        assert chrome not in document.text


def test_a_copyright_year_is_no_publication_date_but_a_dateline_is() -> None:
    undated = PAGE.replace(
        '<meta property="article:published_time" content="2025-11-05T10:00:00+01:00">', ""
    )
    assert only_document(undated, "page.html").published is None  # "Copyright 2025" footer
    dateline = undated.replace(
        "<p>Rheinmetall has", "<p>Unterlüß, 4 November 2025 – Rheinmetall has"
    )
    assert only_document(dateline, "page.html").published == datetime.date(2025, 11, 4)


def test_broken_html_falls_back_to_the_body_text() -> None:
    broken = (
        "<html><head><title>Camera: sì al decreto</title><body><div><p>La Camera ha approvato "
        "il decreto sulla difesa aerea <b>con 200 voti<p>Il ministro ha parlato di un passo "
        "avanti</div></span></td><nav><a href=/>Home</a></nav>"
    )
    document = only_document(broken, "broken.html")
    assert document.text == (
        "La Camera ha approvato il decreto sulla difesa aerea con 200 voti\n\n"
        "Il ministro ha parlato di un passo avanti"
    )
    assert document.title == "Camera: sì al decreto"
    assert document.lang == "it"


def test_html_without_html_tags_is_read_by_sniffing_and_lxml() -> None:
    page = "<body>Die Bundeswehr bestellt Munition.<br>Die Lieferung beginnt im Jahr 2026."
    document = only_document(page, "no-extension")
    assert document.kind == "html"
    assert document.text == "Die Bundeswehr bestellt Munition.\nDie Lieferung beginnt im Jahr 2026."
    assert document.lang == "de"


def test_a_page_of_menus_and_scripts_has_no_text() -> None:
    page = (
        "<html><head><script>var news = 'breaking news today';</script></head><body>"
        "<nav><a href='/'>Home</a></nav><ul><li><a href='/a'>Politics and news</a></li>"
        "<li><a href='/b'>Sport and news today</a></li></ul><img src='logo.png'></body></html>"
    )
    assert problem_reason(page.encode(), "menu.html") == "no_text"


# --- feeds ---------------------------------------------------------------------------------

RSS = """<?xml version="1.0" encoding="ISO-8859-1"?>
<rss version="2.0"><channel><title>Difesa Oggi</title><link>https://difesa.example.it</link>
<language>it-IT</language>
<item><title>Leonardo e Rheinmetall: nasce la joint venture</title>
<link>https://difesa.example.it/jv</link><pubDate>Thu, 06 Nov 2025 00:30:00 +0100</pubDate>
<description><![CDATA[<p>La joint venture tra <b>Leonardo</b> e Rheinmetall produrrà i
nuovi carri armati.</p><p>Il primo contratto vale 1,2 miliardi di euro.</p>]]></description>
</item>
<item><title>Fincantieri consegna la fregata</title><link>https://difesa.example.it/fregata</link>
<pubDate>Fri, 07 Nov 2025 10:00:00 GMT</pubDate></item>
<item><link>https://difesa.example.it/vuoto</link></item>
<item><title>Il Consiglio approva il piano per la difesa europea</title>
<link>https://difesa.example.it/piano</link><pubDate>Sat, 08 Nov 2025 09:00:00 +0100</pubDate>
<description>Il piano prevede 150 miliardi di prestiti agli Stati membri.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Defence Wire</title><id>urn:wire</id>
<updated>2025-11-05T10:00:00Z</updated>
<entry><title>Rheinmetall opens shell plant</title><link href="https://wire.example/shells"/>
<id>urn:1</id><updated>2025-11-05T10:00:00Z</updated>
<published>2025-11-04T23:00:00-02:00</published>
<content type="html">&lt;p&gt;Rheinmetall opened its new plant in Unterlüß on Tuesday.&lt;/p&gt;
&lt;p&gt;It will make 350,000 shells a year.&lt;/p&gt;</content></entry>
<entry><title type="text">Safran buys a drone maker</title><link href="https://wire.example/safran"/>
<id>urn:2</id><updated>2025-11-03T08:00:00Z</updated>
<summary>Safran has agreed to buy a French maker of small reconnaissance drones.</summary></entry>
</feed>"""


def test_rss_feed_gives_one_document_per_entry_with_dates() -> None:
    documents = read_bytes(RSS.encode("iso-8859-1"), "difesa.rss")
    assert [d.source for d in documents] == ["difesa.rss #1", "difesa.rss #2", "difesa.rss #4"]
    assert [d.published for d in documents] == [
        datetime.date(2025, 11, 6),  # the feed's own day, not the UTC one
        datetime.date(2025, 11, 7),
        datetime.date(2025, 11, 8),
    ]
    first, title_only, third = documents
    assert first.text == (
        "La joint venture tra Leonardo e Rheinmetall produrrà i nuovi carri armati.\n\n"
        "Il primo contratto vale 1,2 miliardi di euro."
    )
    assert (first.title, first.url, first.kind) == (
        "Leonardo e Rheinmetall: nasce la joint venture",
        "https://difesa.example.it/jv",
        "feed",
    )
    assert title_only.text == "Fincantieri consegna la fregata"
    assert {d.lang for d in documents} == {"it"}  # detected, or the feed's for short entries
    assert third.url == "https://difesa.example.it/piano"


def test_atom_feed_gives_one_document_per_entry_with_dates() -> None:
    documents = read_bytes(ATOM.encode("utf-8"), "wire.xml")
    assert [(d.title, d.published, d.url) for d in documents] == [
        (
            "Rheinmetall opens shell plant",
            datetime.date(2025, 11, 4),
            "https://wire.example/shells",
        ),
        ("Safran buys a drone maker", datetime.date(2025, 11, 3), "https://wire.example/safran"),
    ]
    assert documents[0].text == (
        "Rheinmetall opened its new plant in Unterlüß on Tuesday.\n\n"
        "It will make 350,000 shells a year."
    )
    assert [d.lang for d in documents] == ["en", "en"]


def test_a_feed_without_entries_is_a_feed_error() -> None:
    empty_feed = b"<rss version='2.0'><channel><title>Nothing</title></channel></rss>"
    assert problem_reason(empty_feed, "empty.rss") == "feed_error"


# --- URLs: a local server ------------------------------------------------------------------

LATIN1_PAGE = (
    "<html><head><title>Défense</title></head><body><article><p>Le ministère des Armées a "
    "annoncé à Bourges que l'État élève sa capacité de production d'obus de 155 mm; "
    "« c'est déjà ça », a déclaré le député.</p></article></body></html>"
)
BIG = b"x" * (MAX_BYTES + 1)
ROUTES: dict[str, tuple[int, str, bytes]] = {
    "/article": (200, "text/html; charset=utf-8", PAGE.encode("utf-8")),
    "/feed": (200, "application/rss+xml", RSS.encode("iso-8859-1")),
    "/latin1": (200, "text/html; charset=ISO-8859-1", LATIN1_PAGE.encode("latin-1")),
    "/big": (200, "text/plain", BIG),
}


class _Handler(BaseHTTPRequestHandler):
    agents: list[str] = []

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        self.agents.append(self.headers.get("User-Agent", ""))
        if self.path == "/moved":
            self.send_response(301)
            self.send_header("Location", "/article")
            self.end_headers()
            return
        status, content_type, body = ROUTES.get(self.path, (404, "text/plain", b"not here"))
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), _Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()
    httpd.server_close()


@pytest.fixture
def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(autouse=True)
def no_proxy(monkeypatch: pytest.MonkeyPatch) -> None:
    """The local server is reached directly even where a proxy is configured."""
    monkeypatch.setenv("no_proxy", "127.0.0.1,localhost")
    monkeypatch.setenv("NO_PROXY", "127.0.0.1,localhost")


def test_urls_are_fetched_and_read_by_content_type(server: str) -> None:
    results = read_inputs([f"{server}/article", f"{server}/feed", f"{server}/latin1"])
    page, *entries, latin1 = results
    assert isinstance(page, Document) and page.kind == "html"
    assert page.source == f"{server}/article"
    assert page.url == f"{server}/news/rheinmetall-plant"  # canonical, made absolute
    assert [e.source for e in entries] == [f"{server}/feed #{n}" for n in (1, 2, 4)]
    assert isinstance(latin1, Document)
    assert "« c'est déjà ça », a déclaré le député" in latin1.text
    assert (latin1.lang, latin1.url) == ("fr", f"{server}/latin1")
    assert _Handler.agents[-1] == USER_AGENT and USER_AGENT.startswith("Filiera/")


def test_redirects_are_followed_and_the_final_url_kept(server: str) -> None:
    fetched = fetch_url(f"{server}/moved")
    assert fetched.url == f"{server}/article"
    assert fetched.content_type == "text/html; charset=utf-8"
    assert fetched.data == PAGE.encode("utf-8")


@pytest.mark.parametrize(
    ("path", "reason", "said"),
    [("/missing", "unreachable", "HTTP 404"), ("/big", "too_large", "5 MB")],
)
def test_http_errors_and_oversized_bodies_are_input_problems(
    server: str, path: str, reason: str, said: str
) -> None:
    [problem] = read_inputs([f"{server}{path}"])
    assert isinstance(problem, InputProblem)
    assert (problem.source, problem.reason) == (f"{server}{path}", reason)
    assert said in problem.message and f"{server}{path}" in problem.message


def test_a_closed_port_is_unreachable(closed_port: int) -> None:
    url = f"http://127.0.0.1:{closed_port}/news"
    [problem] = read_inputs([url])
    assert isinstance(problem, InputProblem)
    assert problem.reason == "unreachable"
    assert "refused" in problem.message and url in problem.message


def test_a_server_that_never_answers_times_out(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("filiera.news.fetch.TIMEOUT_SECONDS", 0.3)
    with socket.socket() as silent:  # listens, never answers
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        url = f"http://127.0.0.1:{silent.getsockname()[1]}/slow"
        [problem] = read_inputs([url])
    assert isinstance(problem, InputProblem)
    assert problem.reason == "unreachable"
    assert "no answer within 0.3 s" in problem.message


def test_the_fetcher_can_be_injected() -> None:
    asked: list[str] = []

    def fetch(url: str) -> Fetched:
        asked.append(url)
        return Fetched(PAGE.encode("utf-8"), "https://daily.example/x", "text/html")

    [document] = read_inputs(["https://daily.example/x"], fetch=fetch)
    assert asked == ["https://daily.example/x"]
    assert isinstance(document, Document)
    assert document.url == "https://daily.example/news/rheinmetall-plant"


# --- bytes that are not an article ---------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "reason", "said"),
    [
        (b"", "empty", "empty"),
        (b"  \n\t\r\n ", "empty", "empty"),
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj", "binary", "PDF"),
        (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary", "PNG"),
        (b"Article text\x00\x00\x00 with NUL bytes", "binary", "NUL"),
        (b"[1] https://example.org/a\n[2] <https://example.org/b>\n", "no_text", "no readable"),
        (bytes(range(0x80, 0x100)) * 4, "encoding", "save it as UTF-8"),
        (b"Hello " + bytes([0x81, 0x8D, 0x8F, 0x90, 0x9D]) * 10 + b" world", "encoding", "UTF-8"),
    ],
)
def test_empty_binary_and_undecodable_inputs_are_refused(
    data: bytes, reason: str, said: str
) -> None:
    with pytest.raises(InputError) as caught:
        read_bytes(data, "upload.bin")
    assert caught.value.reason == reason
    assert said in caught.value.message and "upload.bin" in caught.value.message
    assert (caught.value.status, caught.value.code) == (422, "bad_input")


def test_a_missing_file_is_not_found(tmp_path: Path) -> None:
    missing = str(tmp_path / "nothing.txt")
    [problem] = read_inputs([missing])
    assert problem == InputProblem(
        missing, "not_found", f"{missing} does not exist; check the path."
    )


LEGACY_TEXTS = {
    "it": "La produzione di munizioni è cresciuta: perché l'Università di Torino "
    "e la città di Varese hanno già un'identità industriale forte. Così è.",
    "fr": "Le ministère des Armées a annoncé à Paris que l'État français élève sa capacité "
    "de production d'obus; « c'est déjà ça », a déclaré le député.",
    "de": "Die Bundeswehr hat in München größere Aufträge für Munition an "
    "Rüstungsunternehmen vergeben; die Übergabe erfolgt später, äußerte der Minister.",
}


@pytest.mark.parametrize("lang", sorted(LEGACY_TEXTS))
@pytest.mark.parametrize("encoding", ["latin-1", "cp1252"])
def test_latin1_and_cp1252_files_decode_correctly(tmp_path: Path, lang: str, encoding: str) -> None:
    path = tmp_path / f"{lang}.txt"
    path.write_bytes(LEGACY_TEXTS[lang].encode(encoding))
    [document] = read_inputs([str(path)])
    assert isinstance(document, Document)
    assert document.text == LEGACY_TEXTS[lang]
    assert document.lang == lang


def test_cp1252_typography_and_declared_charsets_decode() -> None:
    quoted = "«L’industria è pronta» – ha detto il ministro… a € 1,2 miliardi".encode("cp1252")
    assert (
        only_document(quoted).text
        == "«L’industria è pronta» – ha detto il ministro… a € 1,2 miliardi"
    )
    meta = '<html><head><meta charset="windows-1252"></head><body><p>Città più già</p></body>'
    assert "Città più già" in only_document(meta.encode("cp1252"), "p.html").text
    utf16 = "Città di Torino, produzione di munizioni".encode("utf-16")
    assert only_document(utf16).text == "Città di Torino, produzione di munizioni"


def test_a_page_declared_latin1_that_is_utf8_reads_as_utf8() -> None:
    page = "<html><body><p>Perché la città è già pronta per la produzione</p></body></html>"
    document = only_document(
        page.encode("utf-8"), "p.html", content_type="text/html; charset=iso-8859-1"
    )
    assert "Perché la città è già pronta" in document.text


# --- duplicates and near-duplicates --------------------------------------------------------


def _write(folder: Path, name: str, text: str) -> str:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return str(path)


HEADER = "Skip to main content\nHome Notizie Difesa Spazio Industria Eventi Contatti\n\n"
FOOTER = (
    "\n\nCondividi su Facebook Twitter LinkedIn\nArticoli correlati\n"
    "Fincantieri consegna la nuova fregata alla Marina Militare a Riva Trigoso\n"
    "Questo sito utilizza cookie tecnici e di profilazione. Tutti i diritti riservati.\n"
)


def _typos(text: str, every: int = 40) -> str:
    rng = random.Random(3)
    words = text.split(" ")
    for i in range(rng.randrange(every), len(words), every):
        word = words[i]
        if len(word) > 3:
            j = rng.randrange(1, len(word) - 2)
            words[i] = word[:j] + word[j + 1] + word[j] + word[j + 2 :]
    return " ".join(words)


def _drop_paragraph(text: str) -> str:
    paragraphs = [p for p in text.split("\n") if p.strip()]
    del paragraphs[len(paragraphs) // 2]
    return "\n\n".join(paragraphs)


def test_same_url_same_text_and_same_story_are_duplicates(tmp_path: Path) -> None:
    original = seed_text("003")
    first = _write(tmp_path, "first.txt", original)
    copy = _write(tmp_path, "copy.txt", "  " + original.upper() + "\n\n")
    edited = _write(tmp_path, "edited.txt", HEADER + _typos(_drop_paragraph(original)) + FOOTER)
    other = str(seed_path("002"))
    results = read_inputs([first, copy, edited, other, first])
    kept = [r.source for r in results if isinstance(r, Document)]
    assert kept == [first, other]
    problems = {r.source: r for r in results if isinstance(r, InputProblem)}
    assert {p.reason for p in problems.values()} == {"duplicate"}
    assert f"same text as {first}" in problems[copy].message
    assert f"same story as {first}" in problems[edited].message
    assert "given twice" in problems[first].message


def test_feed_entries_with_the_url_of_an_earlier_page_are_duplicates() -> None:
    page = PAGE.replace('href="/news/rheinmetall-plant"', 'href="https://difesa.example.it/jv/"')

    def fetch(url: str) -> Fetched:
        if url.endswith("feed"):
            return Fetched(RSS.encode("iso-8859-1"), url, "application/rss+xml")
        return Fetched(page.encode("utf-8"), url, "text/html")

    results = read_inputs(["https://x.example/page", "https://x.example/feed"], fetch=fetch)
    assert [type(r).__name__ for r in results] == [
        "Document",
        "InputProblem",
        "Document",
        "Document",
    ]
    assert results[1].reason == "duplicate"
    assert "same URL as https://x.example/page" in results[1].message


@pytest.mark.parametrize(
    "variant",
    [
        lambda text: HEADER + text + FOOTER,
        _drop_paragraph,
        _typos,
        lambda text: HEADER + _typos(_drop_paragraph(text)) + FOOTER,
    ],
    ids=["header-footer", "paragraph-dropped", "typos", "all-three"],
)
@pytest.mark.parametrize("number", sorted(SEED_FILES))
def test_edited_copies_of_a_story_are_above_the_threshold(variant, number: str) -> None:
    original = seed_text(number)
    similarity = story_similarity(story_signature(original), story_signature(variant(original)))
    assert similarity >= SAME_STORY


def test_different_articles_on_the_same_topic_are_below_the_threshold() -> None:
    texts = [seed_text(number) for number in sorted(SEED_FILES)]
    about = (
        "Informazioni su Leonardo. Leonardo è tra i primi dieci gruppi mondiali "
        "dell'aerospazio, della difesa e della sicurezza e la principale azienda industriale "
        "italiana, con una presenza significativa in Italia, Regno Unito, Polonia e Stati "
        "Uniti, e ricavi consolidati di 15,3 miliardi di euro nel 2023."
    )
    signatures = [story_signature(text + "\n\n" + about) for text in texts]
    for i, first in enumerate(signatures):
        for second in signatures[i + 1 :]:
            assert story_similarity(first, second) < SAME_STORY / 2


def test_signatures_are_stable_and_similarity_handles_edge_cases() -> None:
    text = "Rheinmetall apre un nuovo stabilimento per la produzione di proiettili da 155 mm"
    assert story_signature(text) == story_signature(text.upper())
    assert len(story_signature(text)) == 128
    assert story_signature("") == ()
    assert story_similarity((), ()) == 0.0
    assert story_similarity((1, 2, 3), (1, 2)) == 0.0
    assert story_similarity((1, 2, 3, 4), (1, 2, 0, 0)) == 0.5
    assert fingerprint("A  b\nC") == fingerprint("a b c")


# --- one bad input among good ones ---------------------------------------------------------


def test_one_bad_input_leaves_the_others_processed(tmp_path: Path, closed_port: int) -> None:
    good = _write(tmp_path, "good.txt", LEGACY_TEXTS["it"])
    pdf = tmp_path / "report.pdf"
    pdf.write_bytes(b"%PDF-1.4 binary")
    empty = _write(tmp_path, "empty.txt", "")
    sources = [
        str(pdf),
        good,
        f"http://127.0.0.1:{closed_port}/",
        empty,
        str(tmp_path / "gone.txt"),
        _write(tmp_path, "page.html", PAGE),
    ]
    results = read_inputs(sources)
    assert [r.source for r in results] == sources
    assert [getattr(r, "reason", "ok") for r in results] == [
        "binary",
        "ok",
        "unreachable",
        "empty",
        "not_found",
        "ok",
    ]


# --- language ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "lang"),
    [
        ("The company opened a new plant to produce artillery shells.", "en"),
        ("La société a ouvert une nouvelle usine pour produire des obus.", "fr"),
        ("Das Unternehmen hat ein neues Werk für Artilleriegeschosse eröffnet.", "de"),
        ("L'azienda ha aperto un nuovo stabilimento per produrre proiettili.", "it"),
        ("La empresa abrió una nueva planta para producir proyectiles.", "es"),
        ("NATO", "und"),
        ("Rheinmetall 2025", "und"),
        ("", "und"),
    ],
)
def test_language_of_short_paragraphs(text: str, lang: str) -> None:
    assert detect_language(text) == lang


def test_standard_input_is_read_for_a_dash(monkeypatch: pytest.MonkeyPatch) -> None:
    stdin = io.TextIOWrapper(io.BytesIO(LEGACY_TEXTS["de"].encode("cp1252")))
    monkeypatch.setattr("sys.stdin", stdin)
    [document] = read_inputs(["-"])
    assert isinstance(document, Document)
    assert (document.source, document.text, document.lang) == ("-", LEGACY_TEXTS["de"], "de")


def test_a_language_that_is_not_a_code_is_refused() -> None:
    with pytest.raises(ValidationFailed, match="ISO 639-1"):
        read_inputs([], lang="italiano")


def test_a_given_language_overrides_detection() -> None:
    document = only_document(LEGACY_TEXTS["fr"], lang="it")
    assert document.lang == "it"
    assert only_document(LEGACY_TEXTS["fr"], lang="auto").lang == "fr"
