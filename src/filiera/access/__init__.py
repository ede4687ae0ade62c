"""Access control: users, roles, sessions, API tokens, visibility rules and the audit log.

Loading this package installs the audit log's flush hooks, so every session of every
database writes its changes to the log (features, the API and the CLI all load it).
"""

from filiera.access import audit

audit.install()
