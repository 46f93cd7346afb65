"""Admin pages of access."""

from django.contrib import admin  # noqa: F401
