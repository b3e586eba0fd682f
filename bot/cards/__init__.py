"""Cards: a Card built from a paper and its summary, its neutral layout, Markdown and plain text."""
