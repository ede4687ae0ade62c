"""Bundled demo dataset built from the seed news articles (see data/demo.yaml)."""
