"""Secrets taken out of text that operators see: status pages, the CLI, every log line.

A source URL may carry credentials (`https://user:pass@host/…`) or a key in its query
(`?apikey=…`, `&token=…`), and errors quote URLs. What is shown keeps the URL's shape, so
the source stays recognizable, with each secret replaced by `***`.
"""

from __future__ import annotations

import re

MASK = "***"
# RFC 3986 §3.2.1 userinfo: everything between "//" and "@" before the host
_USERINFO = re.compile(r"(?i)\b([a-z][a-z0-9+.-]*://)[^/?#\s@'\"<>]+@")
# a query or matrix parameter whose name says it is a credential (api_key, apiKey, token …)
_SECRET_PARAM = re.compile(
    r"(?i)([?&;][^=&;#\s'\"<>]*(?:key|token|secret|password|passwd)[^=&;#\s'\"<>]*=)"
    r"[^&;#\s'\"<>]+"
)


def redact(text: str) -> str:
    """`text` with URL credentials and secret query values replaced by ***."""
    if "@" not in text and "=" not in text:
        return text  # the common case: nothing that could hold a secret
    return _SECRET_PARAM.sub(rf"\1{MASK}", _USERINFO.sub(rf"\1{MASK}@", text))
