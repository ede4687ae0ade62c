"""The ecosystem registry: organisations, people, sites, capabilities, projects.

Loading this package installs the change log's flush hooks (`changes.py`), so every
session records what the match index must re-read.
"""

from filiera.registry import changes

changes.install()
