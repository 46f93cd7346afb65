"""Placeholder: filled in by this module's author."""

urls: list = []
