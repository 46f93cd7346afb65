from django.urls import reverse

from rapport.core.roles import Role, roles_of
from rapport.ui.navigation import NAVIGATION


def navigation(request) -> dict:
    user = getattr(request, "user", None)
    roles = roles_of(user)
    if not roles:
        return {"nav_items": [], "user_roles": []}
    path = request.path
    items: list[dict] = []
    for item in NAVIGATION:
        if not roles & item.roles:
            continue
        url = reverse(item.url_name)
        entry = {"label": item.label, "url": url, "active": path.startswith(url)}
        if not item.menu:
            items.append(entry)
            continue
        if not items or items[-1]["label"] != item.menu or "children" not in items[-1]:
            items.append({"label": item.menu, "children": [], "active": False})
        items[-1]["children"].append(entry)
        items[-1]["active"] = items[-1]["active"] or entry["active"]
    return {"nav_items": items, "user_roles": sorted(Role(r).label for r in roles)}
