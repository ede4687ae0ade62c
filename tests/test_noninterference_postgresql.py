"""The non-interference test (test_noninterference.py) on PostgreSQL: the same tests and
world, in a file of its own so that pytest-xdist runs it on the other worker than the
SQLite run (the file was the suite's longest, about 6.5 minutes on one worker)."""

from __future__ import annotations

from test_noninterference import *  # noqa: F403  (its tests and fixtures)
from test_noninterference import POSTGRESQL, make_url_fixture

make_url = make_url_fixture(POSTGRESQL)
del test_every_read_route_is_compared  # noqa: F821  (a check of the source, once is enough)
