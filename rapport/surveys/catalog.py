"""What surveys ship with: the default survey "After your contact" (satisfaction, effort, likelihood
to recommend and a free-text question) and the draw settings row pointing to it.

`defaults_ensure()` creates whatever of it is missing and leaves the rest alone (an admin's edits
stay); migration 0002 runs it with the historical models, the demo load and the tests with the
current ones.
"""

from django.apps import apps as current_apps

DEFAULT_SURVEY = "After your contact"
DEFAULT_INTRO = "You were in touch with us recently. Three quick questions about how it went."

# kind, prompt, required
DEFAULT_QUESTIONS = [
    ("csat", "How satisfied are you with how we handled your contact?", True),
    ("ces", "The company made it easy for me to handle my issue.", False),
    ("nps", "How likely are you to recommend us to a friend or colleague?", False),
    ("text", "Anything you want to tell us?", False),
]


def defaults_ensure(apps=current_apps) -> None:
    Survey = apps.get_model("surveys", "Survey")
    Question = apps.get_model("surveys", "Question")
    DrawSettings = apps.get_model("surveys", "DrawSettings")
    survey, created = Survey.objects.get_or_create(
        name=DEFAULT_SURVEY, defaults={"intro": DEFAULT_INTRO}
    )
    if created:
        for order, (kind, prompt, required) in enumerate(DEFAULT_QUESTIONS):
            Question.objects.create(
                survey=survey, order=order, kind=kind, prompt=prompt, required=required
            )
    settings_row = DrawSettings.objects.order_by("pk").first()
    if settings_row is None:
        DrawSettings.objects.create(
            survey=survey, rate="0.200", cooldown_days=30, expiry_days=7, min_responses=30
        )
