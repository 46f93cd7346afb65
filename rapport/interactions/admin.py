"""Admin pages of interactions."""

from django.contrib import admin  # noqa: F401
