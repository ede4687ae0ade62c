"""Running Filiera for real: backups, restores, the logical dump, readiness checks."""
