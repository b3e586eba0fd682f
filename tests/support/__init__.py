"""Shared test support: one Redis server, clock, `ask`, subprocess environment, and the fake platform."""
