"""Placeholder until this area lands."""

urls: list = []
