"""Consortium building for funding calls: calls, eligibility rules as data, the builder,
the checker, and saved bids with their partners' answers."""
