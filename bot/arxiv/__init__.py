"""arXiv access: the API client, the announcement feeds, and cached paper metadata."""
