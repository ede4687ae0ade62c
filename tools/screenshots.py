"""Screenshots of the main pages for docs/screenshots/, taken from the demo in headless Chromium.

    python tools/screenshots.py [OUT_DIR]

Builds the demo on a temporary SQLite database, serves it, signs in as the demo accounts
and saves PNGs of the main pages in English and Italian (desktop) and a few at phone width.
Needs Playwright and Debian's Chromium (/usr/bin/chromium), like the browser tests.
"""

from __future__ import annotations

import socket
import sys
import tempfile
import threading
import time
from pathlib import Path

import uvicorn
from playwright.sync_api import sync_playwright
from sqlalchemy import select

from filiera.app import create_app
from filiera.db import Database
from filiera.demo.access import DEMO_PASSWORD
from filiera.demo.load import load_demo
from filiera.registry.models import Organisation

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
DESKTOP = {"width": 1280, "height": 900}
PHONE = {"width": 390, "height": 844}
# (file name, account or None, path, languages, viewport)
SHOTS = [
    ("home", None, "/", ("en", "it"), DESKTOP),
    ("directory", None, "/organisations", ("en", "it"), DESKTOP),
    ("profile", "member@filiera.demo", "/organisations/{org}", ("en", "it"), DESKTOP),
    (
        "match",
        "buyer@filiera.demo",
        "/match?q=155mm+artillery+shells+propellant",
        ("en", "it"),
        DESKTOP,
    ),
    ("needs", "buyer@filiera.demo", "/needs", ("en", "it"), DESKTOP),
    ("need-form", "buyer@filiera.demo", "/needs/new", ("it",), DESKTOP),
    ("theses", "investor@filiera.demo", "/theses", ("en",), DESKTOP),
    ("projects", None, "/projects", ("en", "it"), DESKTOP),
    ("clusters", None, "/clusters", ("it",), DESKTOP),
    ("map", None, "/map", ("en",), DESKTOP),
    ("shortlists", "buyer@filiera.demo", "/shortlists", ("en",), DESKTOP),
    ("account", "member@filiera.demo", "/account", ("it",), DESKTOP),
    ("review", "admin@filiera.demo", "/review", ("en",), DESKTOP),
    ("match-phone", "buyer@filiera.demo", "/match?q=droni+per+la+sorveglianza", ("it",), PHONE),
    ("directory-phone", None, "/organisations", ("it",), PHONE),
]


def serve(app) -> tuple[str, uvicorn.Server]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    threading.Thread(target=server.run, daemon=True).start()
    while not server.started:
        time.sleep(0.05)
    return f"http://127.0.0.1:{port}", server


def signed_in_state(browser, base: str, account: str) -> dict:
    """The cookies of a browser that signed in as `account` through the real form."""
    context = browser.new_context(viewport=DESKTOP)
    page = context.new_page()
    page.goto(f"{base}/sign-in")
    page.fill("input[name=email]", account)
    page.fill("input[name=password]", DEMO_PASSWORD)
    page.locator("form[action='/sign-in'] button[type=submit]").click()
    page.wait_for_selector("[data-signed-in]")
    state = context.storage_state()
    context.close()
    return state


def main(out: Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Database(f"sqlite:///{tmp}/demo.db")
        db.upgrade()
        with db.session() as session:
            load_demo(session, synthetic=300)
            org = session.scalar(
                select(Organisation.id).where(Organisation.name.like("Leonardo%")).limit(1)
            )
        base, server = serve(create_app(db))
        with sync_playwright() as pw:
            browser = pw.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            states: dict[str, dict] = {}  # one sign-in per account (sign-ins are rate-limited)
            for name, account, path, langs, viewport in SHOTS:
                for lang in langs:
                    if account and account not in states:
                        states[account] = signed_in_state(browser, base, account)
                    context = browser.new_context(
                        viewport=viewport, storage_state=states.get(account)
                    )
                    page = context.new_page()
                    sep = "&" if "?" in path else "?"
                    page.goto(f"{base}{path.format(org=org)}{sep}lang={lang}")
                    page.wait_for_load_state("networkidle")
                    page.screenshot(path=str(out / f"{name}-{lang}.png"), full_page=False)
                    print(out / f"{name}-{lang}.png")
                    context.close()
            browser.close()
        server.should_exit = True
        db.dispose()


if __name__ == "__main__":
    main(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/screenshots"))
