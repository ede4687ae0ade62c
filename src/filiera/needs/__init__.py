"""Operational needs, challenges and investment theses: what the ecosystem is asked for."""
