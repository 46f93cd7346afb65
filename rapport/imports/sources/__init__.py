"""The registry of import sources: key → Source. Each module under sources/ defines one or more."""

from importlib import import_module

from rapport.imports.sources.base import Source

REGISTRY: dict[str, Source] = {}


def register(source: Source) -> Source:
    REGISTRY[source.key] = source
    return source


def source_for(key: str) -> Source:
    _load()
    return REGISTRY[key]


def all_sources() -> list[Source]:
    _load()
    return sorted(REGISTRY.values(), key=lambda s: s.label)


MODULES = (
    "cdr",
    "contact_points",
    "customers",
    "households",
    "hubspot",
    "qa_scores",
    "revenue",
    "salesforce",
    "wfm",
    "zendesk",
)


def _load() -> None:
    # Importing the modules registers their sources; done lazily so models load first.
    for name in MODULES:
        import_module(f"rapport.imports.sources.{name}")
