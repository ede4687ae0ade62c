"""News intelligence: articles in (text, HTML, RSS/Atom; four languages), facts about the
ecosystem out, reviewed by a person before they count (see docs/news.md)."""
