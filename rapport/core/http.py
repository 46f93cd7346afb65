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


def public_url(path: str) -> str:
    """An absolute link for a message sent outside the browser (an e-mail, an SMS): on
    RAPPORT_PUBLIC_URL, else the first trusted origin, else the mail domain over https."""
    origin = settings.RAPPORT_PUBLIC_URL or next(iter(settings.CSRF_TRUSTED_ORIGINS), "")
    return (origin or f"https://{settings.RAPPORT_MAIL_DOMAIN}").rstrip("/") + path
