"""`[analytics]` of config.toml, with `[server] forwarded_allow_ips`: who reads us."""

from __future__ import annotations

import ipaddress

from feeds.readers.runtime import AnalyticsSettings
from scheduler.config.reader import Reader


def read_analytics(r: Reader) -> AnalyticsSettings:
    """`[analytics]`; forwarded_allow_ips are addresses or networks of trusted proxies."""
    allowed = []
    for entry in r.strings("server.forwarded_allow_ips", ("127.0.0.1",)):
        try:
            ipaddress.ip_network(entry, strict=False)
        except ValueError:
            r.error("server.forwarded_allow_ips", entry, "must be IP addresses or networks")
            continue
        allowed.append(entry)
    logs = tuple(r.strings("analytics.access_log", ()))
    if logs:
        # named by the issue, not read yet: refusing beats counting nothing in silence
        r.error(
            "analytics.access_log",
            list(logs),
            "reading nginx access logs is not available in this release; leave it out",
        )
    return AnalyticsSettings(
        enabled=r.boolean("analytics.enabled", True),
        retention_days=r.integer("analytics.retention_days", 90, low=1),
        access_log=logs,
        throttle=r.boolean("analytics.throttle", False),
        min_poll_seconds=r.integer("analytics.min_poll_seconds", 60, low=1),
        forwarded_allow_ips=tuple(allowed),
    )
