"""Keep API keys out of everything the suite writes down (records, curl lines, reports)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

KEY_PLACEHOLDER = "$PLANE_API_KEY"
OTHER_PLACEHOLDER = "<redacted>"
# Values this short would scrub ordinary text out of bodies; headers are still redacted.
_MIN_SCRUB_LENGTH = 6
SECRET_HEADERS = ("x-api-key", "authorization", "cookie", "set-cookie")


class Redactor:
    """Replaces the configured key with $PLANE_API_KEY and any other key sent with <redacted>."""

    def __init__(self, api_key: str) -> None:
        self._api_key = api_key
        self._others: set[str] = set()

    def add_secret(self, value: str) -> None:
        """Another key value the suite sent (e.g. a deliberately invalid one)."""
        if value and value != self._api_key:
            self._others.add(value)

    def _pairs(self) -> Iterable[tuple[str, str]]:
        # Longest first so a secret containing another is replaced whole.
        secrets = [(self._api_key, KEY_PLACEHOLDER)] + [
            (s, OTHER_PLACEHOLDER) for s in self._others
        ]
        for secret, placeholder in sorted(secrets, key=lambda p: -len(p[0])):
            if len(secret) >= _MIN_SCRUB_LENGTH:
                yield secret, placeholder
                if quote(secret, safe="") != secret:
                    yield quote(secret, safe=""), placeholder

    def text(self, value: str | None) -> str | None:
        if value is None:
            return None
        for secret, placeholder in self._pairs():
            value = value.replace(secret, placeholder)
        return value

    def header_value(self, name: str, value: str) -> str:
        if name.lower() in SECRET_HEADERS and value:
            if value == self._api_key:
                return KEY_PLACEHOLDER
            return OTHER_PLACEHOLDER
        return self.text(value) or ""

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        return {name: self.header_value(name, value) for name, value in headers}
