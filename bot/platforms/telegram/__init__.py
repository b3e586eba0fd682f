"""The Telegram adapter: translates PTB updates into CommandContexts and Replies into HTML messages."""
