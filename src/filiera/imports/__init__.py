"""Importers: EDF (Funding & Tenders), CSV member lists, JSON lines round-trip."""
