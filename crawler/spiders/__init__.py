"""Spiders of the xxgk crawler (one generic, registry-driven spider)."""
