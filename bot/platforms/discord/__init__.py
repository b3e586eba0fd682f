"""Discord: embeds for cards and digests, and the REST messenger (the gateway adapter comes next)."""
