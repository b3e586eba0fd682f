"""arXiv digest bot: the core — settings, models, arXiv access, summarizers, store, renderers, adapters."""
