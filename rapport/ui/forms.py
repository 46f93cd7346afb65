from django import forms

from rapport.core.errors import ApplicationError


class StyledFormMixin:
    """Gives every widget the CSS kit's classes so templates stay free of per-field markup."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for field in self.fields.values():  # type: ignore[attr-defined]
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput):
                widget.attrs.setdefault("class", "form-check-input")
            elif isinstance(widget, forms.Select):
                widget.attrs.setdefault("class", "form-select")
            else:
                widget.attrs.setdefault("class", "form-control")


def show_refusal(form: forms.Form, exc: ApplicationError) -> None:
    """A refused action shown on its form: on each field the service named, and its message on
    top, so a refusal (not your case, a transition not allowed) reads plainly."""
    shown: set[str] = set()
    for name, problems in exc.fields.items():
        if name in form.fields:
            for problem in problems:
                form.add_error(name, problem)
            shown.update(problems)
    if exc.message not in shown:
        form.add_error(None, exc.message)
