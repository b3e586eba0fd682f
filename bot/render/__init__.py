"""Renderers: one Card (or text reply) in, one platform's text out. Every renderer escapes untrusted text."""
