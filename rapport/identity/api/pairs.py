"""Identity API (placeholder; the real views replace this)."""

urls: list = []
