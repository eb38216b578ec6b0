"""Dependencies shared by the routes."""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from dataclasses import dataclass
from functools import lru_cache
from typing import Annotated

from fastapi import Depends, Request

from assistant.api.problems import Problem
from assistant.api.ratelimit import RateLimiter
from assistant.api.state import ServerState
from assistant.api.telemetry import Metrics
from assistant.config import Settings
from assistant.pipeline import AnswerPipeline

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network


def get_state(request: Request) -> ServerState:
    state: ServerState = request.app.state.server
    return state


def get_settings(request: Request) -> Settings:
    settings: Settings = request.app.state.server.settings
    return settings


def get_metrics(request: Request) -> Metrics:
    metrics: Metrics = request.app.state.metrics
    return metrics


def get_pipeline(state: Annotated[ServerState, Depends(get_state)]) -> AnswerPipeline:
    if not state.ready or state.pipeline is None:
        raise Problem(
            503, state.error or "the index is still loading; retry shortly", headers={"Retry-After": "5"}
        )
    state.maybe_refresh()
    return state.pipeline


def _bearer(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    return token.strip() if scheme.lower() == "bearer" and token.strip() else None


def _same_secret(given: str, expected: str) -> bool:
    # As bytes: compare_digest refuses str with non-ASCII characters, and a header may carry them.
    return hmac.compare_digest(given.encode(), expected.encode())


@lru_cache(maxsize=16)
def _networks(entries: tuple[str, ...]) -> tuple[IPNetwork, ...]:
    return tuple(ipaddress.ip_network(entry, strict=False) for entry in entries)


def _parse_address(value: str) -> IPAddress | None:
    """An address as proxies write it (`1.2.3.4`, `1.2.3.4:5678`, `::1`, `[::1]:5678`), or None."""
    text = value.strip()
    if text.startswith("["):
        text = text[1 : text.find("]")] if "]" in text else ""
    elif text.count(":") == 1:
        text = text.partition(":")[0]
    try:
        address = ipaddress.ip_address(text)
    except ValueError:
        return None
    # A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d; IPv4 networks must still match them.
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def client_address(request: Request, settings: Settings) -> str:
    """The caller's address: the peer, unless the peer is a trusted proxy.

    Each trusted proxy appends the address it received the request from to X-Forwarded-For, so the
    list is read from the right: the first address that is not a trusted proxy is the client.
    Anything further left was written by that client and proves nothing.
    """
    peer_host = request.client.host if request.client else ""
    peer = _parse_address(peer_host)
    if peer is None:
        return peer_host or "unknown"
    trusted = _networks(tuple(settings.forwarded_allow_ips))
    if not any(peer in network for network in trusted):
        return str(peer)
    hops = [hop for header in request.headers.getlist("x-forwarded-for") for hop in header.split(",")]
    nearest_trusted = peer
    for hop in reversed(hops):
        address = _parse_address(hop)
        if address is None:
            # A trusted proxy wrote something that is not an address: nothing left of it can be
            # vouched for, so the request counts against the last address that could be.
            return str(nearest_trusted)
        if not any(address in network for network in trusted):
            return str(address)
        nearest_trusted = address
    return str(nearest_trusted)  # every hop is a trusted proxy: the request started at one of them


@dataclass(frozen=True)
class Caller:
    """Who a request counts against for rate limiting, and at which limit."""

    rate_key: str
    per_minute: int


def require_caller(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> Caller:
    """With API keys configured a caller needs one; the only key-less path is the opt-in public widget.

    Request headers are the caller's to write: neither Host nor Origin proves who sent a request, so
    they never stand in for a key. `widget_public` deliberately opens chat to requests naming an
    allowed Origin (browsers name theirs truthfully), at its own, stricter limit per address.
    """
    token = _bearer(request)
    if token and any(_same_secret(token, key) for key in settings.api_keys):
        return Caller(
            "key:" + hashlib.sha256(token.encode()).hexdigest()[:16], settings.rate_limit_per_minute
        )
    address = client_address(request, settings)
    if not settings.api_keys:
        return Caller("ip:" + address, settings.rate_limit_per_minute)
    if token is None and settings.widget_public and request.headers.get("origin") in settings.allowed_origins:
        return Caller("widget:ip:" + address, settings.widget_rate_limit_per_minute)
    raise Problem(
        401,
        "a valid API key is required: send Authorization: Bearer <key>",
        headers={"WWW-Authenticate": "Bearer"},
    )


def require_admin(request: Request, settings: Annotated[Settings, Depends(get_settings)]) -> None:
    token = _bearer(request)
    if not settings.admin_key or not token or not _same_secret(token, settings.admin_key):
        raise Problem(401, "the admin key is required", headers={"WWW-Authenticate": "Bearer"})


def rate_limit(request: Request, caller: Annotated[Caller, Depends(require_caller)]) -> None:
    limiter: RateLimiter = request.app.state.rate_limiter
    verdict = limiter.hit(caller.rate_key, per_minute=caller.per_minute)
    request.state.rate_limit_remaining = verdict.remaining
    if not verdict.allowed:
        raise Problem(
            429,
            f"more than {caller.per_minute} requests a minute; retry in {verdict.retry_after} s",
            headers={"Retry-After": str(verdict.retry_after)},
        )


SettingsDep = Annotated[Settings, Depends(get_settings)]
StateDep = Annotated[ServerState, Depends(get_state)]
PipelineDep = Annotated[AnswerPipeline, Depends(get_pipeline)]
MetricsDep = Annotated[Metrics, Depends(get_metrics)]
CallerDep = Annotated[Caller, Depends(require_caller)]
RateLimitDep = Annotated[None, Depends(rate_limit)]
AdminDep = Annotated[None, Depends(require_admin)]
