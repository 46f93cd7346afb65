"""Extension point of the customer view.

The customer view shows the profile, household, products, consents, notes and history itself.
Later capabilities (conversation timeline, cases, signals, surveys) add a panel from their
AppConfig.ready() without this app importing them:

    from rapport.customers.panels import Panel, register_panel
    register_panel(Panel(key="cases", title="Open cases", template="cases/partials/_customer_panel.html",
                         context=lambda viewer, customer: {"cases": case_list_for(...)}, order=20))

The context function receives the asking user and must read through that user's selectors.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

ContextFn = Callable[[Any, Any], dict[str, Any] | None]


@dataclass(frozen=True)
class Panel:
    key: str
    title: str
    template: str
    context: ContextFn
    order: int = 100
    column: str = "main"  # "main" (wide, left) or "side"
    roles: frozenset[str] | None = field(default=None)  # None: everyone who may read the customer


_PANELS: dict[str, Panel] = {}


def register_panel(panel: Panel) -> None:
    _PANELS[panel.key] = panel


def unregister_panel(key: str) -> None:
    _PANELS.pop(key, None)


@dataclass(frozen=True)
class RenderedPanel:
    panel: Panel
    context: dict[str, Any]


def panels_for(*, viewer, customer, roles: frozenset[str]) -> list[RenderedPanel]:
    """The extension panels this viewer may see, in order; a panel returning None is skipped."""
    shown = []
    for panel in sorted(_PANELS.values(), key=lambda p: (p.order, p.key)):
        if panel.roles is not None and not (panel.roles & roles):
            continue
        context = panel.context(viewer, customer)
        if context is not None:
            shown.append(RenderedPanel(panel, context))
    return shown
