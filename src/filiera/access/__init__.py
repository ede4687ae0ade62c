"""Access control: users, roles, sessions, API tokens, visibility rules and the audit log."""
