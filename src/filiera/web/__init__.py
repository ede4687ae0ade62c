"""Server-rendered web UI: Jinja2 templates, hand-written CSS, English and Italian."""

from pathlib import Path

WEB_DIR = Path(__file__).parent
STATIC_DIR = WEB_DIR / "static"
TEMPLATES_DIR = WEB_DIR / "templates"
LOCALES_DIR = WEB_DIR / "locales"
