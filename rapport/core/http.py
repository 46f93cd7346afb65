"""Facts about the request that depend on how Rapport is deployed."""

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The visitor's address. Behind RAPPORT_PROXY_COUNT trusted proxies, each appending the
    address it saw to X-Forwarded-For, the visitor is the entry the outermost of them appended;
    entries further left were written by the visitor and prove nothing."""
    remote = request.META.get("REMOTE_ADDR", "")
    count = settings.RAPPORT_PROXY_COUNT
    if count <= 0:
        return remote
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
    return hops[-count] if len(hops) >= count else remote
