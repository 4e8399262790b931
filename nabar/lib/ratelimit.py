"""A fixed-window rate limit on the cache, for public endpoints."""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    """The address a request came from, as the nearest proxy Nåbar trusts saw it.

    Behind ``NABAR_TRUSTED_PROXIES`` proxies (a TLS terminator, a load balancer), each of which
    appends the address it received from to ``X-Forwarded-For``, the client is the entry that
    many places from the end; entries before it were written by the client and prove nothing.
    With no trusted proxy (the default) the header is ignored: anyone could write it.
    """
    proxies = settings.NABAR_TRUSTED_PROXIES
    if proxies > 0:
        forwarded = [
            part.strip()
            for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
            if part.strip()
        ]
        if forwarded:
            return forwarded[-min(proxies, len(forwarded))]
    return str(request.META.get("REMOTE_ADDR", "unknown"))


def _cache_key(scope: str, key: str, window_seconds: int) -> str:
    window = int(time.time() // window_seconds)
    return f"ratelimit:{scope}:{key}:{window}"


def hits(scope: str, key: str, *, window_seconds: int) -> int:
    """How many hits ``key`` has had in the current window, without counting one."""
    return int(cache.get(_cache_key(scope, key, window_seconds), 0))


def over_limit(scope: str, key: str, *, limit: int, window_seconds: int) -> bool:
    """Count one hit; True when this hit goes over ``limit`` within the current window."""
    cache_key = _cache_key(scope, key, window_seconds)
    if cache.add(cache_key, 1, timeout=window_seconds + 5):
        return limit < 1
    try:
        count = cache.incr(cache_key)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, 1, timeout=window_seconds + 5)
        count = 1
    return count > limit
