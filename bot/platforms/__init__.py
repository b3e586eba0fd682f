"""Chat platforms: one folder each, translating updates in and replies out through one messenger."""
