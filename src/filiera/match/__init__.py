"""Matchmaking: a need, a challenge or an investment thesis finds the right organisations."""
