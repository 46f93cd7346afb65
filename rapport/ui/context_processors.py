from django.urls import reverse

from rapport.core.roles import Role, roles_of
from rapport.ui.navigation import NAVIGATION


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    roles = roles_of(user)
    if not roles:
        return {"nav_items": [], "user_roles": []}
    path = request.path
    items = []
    for item in NAVIGATION:
        if roles & item.roles:
            url = reverse(item.url_name)
            items.append({"label": item.label, "url": url, "active": path.startswith(url)})
    return {"nav_items": items, "user_roles": sorted(Role(r).label for r in roles)}
