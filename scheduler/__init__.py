"""Timing, digest planning and delivery (arrives with the daily digest; nothing here yet)."""
