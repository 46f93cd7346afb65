"""Admin pages of cases."""

from django.contrib import admin  # noqa: F401
