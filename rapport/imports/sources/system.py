"""Which system a generic file comes from.

The generic customers and households sources keep rows by (source, external id). Two systems'
files whose ids overlap (customer 1001 in billing and customer 1001 in the old CRM) must not meet,
so each job may name its system; its rows are written and found again under that name. Blank is
"import", the name every generic file had before jobs could choose one.
"""

from __future__ import annotations

from typing import Any

from django import forms

from rapport.imports.sources import all_sources

DEFAULT = "import"
# The names Rapport gives the customers it creates itself (by hand, from an unknown sender); an
# import under one of them would take those over.
RESERVED = frozenset({"rapport", "inbound"})


class SystemOptions(forms.Form):
    system = forms.SlugField(
        label="System the file comes from",
        max_length=32,
        required=False,
        initial=DEFAULT,
        help_text=(
            "A short name such as billing or old-crm. Rows are found again by this name and their "
            "id: give a system's households and customers the same name, and each system its own."
        ),
    )

    def clean_system(self) -> str:
        system = (self.cleaned_data["system"] or DEFAULT).lower()
        # Sources that create customers under a name of their own (Salesforce, HubSpot …).
        taken = {s.source_label for s in all_sources() if s.person_id_field} - {DEFAULT}
        if system in RESERVED | taken:
            raise forms.ValidationError(
                f"{system!r} is the name Rapport gives its own customers or another import "
                "source's; choose another."
            )
        return system


class FromNamedSystem:
    """Mixed into a generic source (before Source): its jobs name the system their file comes
    from, and its rows are written and found under that name."""

    source_label = DEFAULT
    options_form = SystemOptions

    def label_for(self, options: dict[str, Any]) -> str:
        return str(options.get("system") or DEFAULT)
