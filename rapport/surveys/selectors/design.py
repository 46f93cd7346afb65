"""Reads behind the survey design and draw settings pages (survey admins only)."""

from django.db.models import Count, QuerySet

from rapport.core.errors import NotFound
from rapport.core.roles import SURVEY_ADMINS, has_any_role
from rapport.surveys import catalog
from rapport.surveys.models import DrawSettings, Survey


def draw_settings_get() -> DrawSettings:
    """The one settings row; made with the shipped defaults if a reset emptied the table."""
    row = DrawSettings.objects.select_related("survey").order_by("pk").first()
    if row is None:
        catalog.defaults_ensure()
        row = DrawSettings.objects.select_related("survey").order_by("pk").first()
    assert row is not None
    return row


def surveys_for(*, viewer) -> QuerySet[Survey]:
    if not has_any_role(viewer, SURVEY_ADMINS):
        return Survey.objects.none()
    return Survey.objects.annotate(
        question_count=Count("questions", distinct=True),
        response_count=Count("responses", distinct=True),
    ).order_by("name")


def survey_get_for(*, viewer, survey_id: int) -> Survey:
    survey = surveys_for(viewer=viewer).filter(pk=survey_id).first()
    if survey is None:
        raise NotFound("No such survey.")
    return survey
