"""Strict local fakes of the services the bot talks to, served over HTTP on 127.0.0.1."""
