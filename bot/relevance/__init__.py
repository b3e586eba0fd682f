"""Relevance: a vector per paper (once, for every chat), and a chat's candidates scored by its feedback."""
