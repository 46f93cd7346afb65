"""The main menu. Each entry names the roles that see it; apps add entries as they arrive."""

from dataclasses import dataclass

from rapport.core.roles import CUSTOMER_READERS, PEOPLE_READERS, Role


@dataclass(frozen=True)
class NavItem:
    label: str
    url_name: str
    roles: frozenset[str]
    section: str


NAVIGATION: list[NavItem] = [
    NavItem("Customers", "customers:search", frozenset(CUSTOMER_READERS), "customers"),
    NavItem("Households", "customers:households", frozenset(CUSTOMER_READERS), "households"),
    NavItem("Products", "customers:products", frozenset(CUSTOMER_READERS), "products"),
    NavItem("People", "accounts:people", frozenset(PEOPLE_READERS), "people"),
    NavItem("Audit", "audit", frozenset({Role.ADMIN}), "audit"),
    NavItem("Security", "accounts:security", frozenset({Role.ADMIN}), "security"),
    NavItem("API", "api-docs", frozenset(Role.values), "api"),
]
