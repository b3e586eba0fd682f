"""Redis: the connection, the one key builder, chats, the delivery ledger, caches, pacing and limits."""
