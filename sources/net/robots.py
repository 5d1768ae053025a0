"""robots.txt (RFC 9309), fetched once per origin per poll through sources.fetch."""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit
from urllib.robotparser import RobotFileParser

import requests

from sources.errors import FetchError
from sources.model.spec import FetchSettings
from sources.net.fetch import fetch


class Robots:
    """Answers "may this URL be fetched?" for one poll, caching each origin's rules."""

    def __init__(
        self, settings: FetchSettings, now: datetime, session: requests.Session | None = None
    ) -> None:
        self._settings = settings
        self._now = now
        self._session = session
        self._agent = settings.user_agent.split("/", 1)[0].strip() or "*"
        self._rules: dict[str, RobotFileParser | bool] = {}

    def allowed(self, url: str) -> bool:
        """True when the origin's robots.txt lets our user agent fetch the URL."""
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https"):
            return True  # local files have no robots.txt
        origin = f"{parts.scheme}://{parts.netloc}"
        if origin not in self._rules:
            self._rules[origin] = self._load(origin)
        rules = self._rules[origin]
        return rules if isinstance(rules, bool) else rules.can_fetch(self._agent, url)

    def _load(self, origin: str) -> RobotFileParser | bool:
        """The origin's rules; True (allow all) or False (disallow all) per RFC 9309 §2.3.1."""
        try:
            got = fetch(
                origin + "/robots.txt", self._settings, now=self._now, session=self._session
            )
        except FetchError as exc:
            status = getattr(exc, "status", None)
            # §2.3.1.3: 4xx means no rules, all allowed; §2.3.1.4: a server error or no
            # answer means assume complete disallow. 429 is a request to back off, so it
            # counts as unreachable too.
            return isinstance(status, int) and 400 <= status < 500 and status != 429
        parser = RobotFileParser()
        parser.parse(got.body.decode("utf-8", errors="replace").splitlines())
        return parser
