"""Filiera: who can build what, how much of it, with whom, and with what money."""

__version__ = "0.1.0"
