"""Keep credentials out of everything the suite writes down (records, curl lines, reports)."""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import quote

from conformance.credentials import (
    MIN_SCRUB_LENGTH,
    OTHER_PLACEHOLDER,
    SECRET_HEADERS,
    Credential,
    secret_part,
)


class Redactor:
    """Replaces the configured credential with its placeholder ($PLANE_API_KEY) and any other
    secret the suite sent with <redacted>."""

    def __init__(self, credential: Credential) -> None:
        self._credential = credential
        self._others: set[str] = set()
        self._cached: list[tuple[str, str]] | None = None  # _pairs, until a secret is added

    def add_secret(self, value: str) -> None:
        """Another secret the suite sent (e.g. a deliberately invalid key), or a credential
        header's value (`Bearer abc`: both the value and `abc` are secrets)."""
        own = (self._credential.secret, self._credential.header_value())
        for secret in {value, secret_part(value)}:
            if secret and secret not in own and secret not in self._others:
                self._others.add(secret)
                self._cached = None

    def _pairs(self) -> list[tuple[str, str]]:
        # Every text the suite records goes through here, and the campaign adds a secret for
        # each credential header it sends: the pairs are worked out once per new secret.
        if self._cached is None:
            self._cached = self._work_out_pairs()
        return self._cached

    def _work_out_pairs(self) -> list[tuple[str, str]]:
        pairs = self._credential.replacements()
        for secret in self._others:
            if len(secret) >= MIN_SCRUB_LENGTH:
                pairs.append((secret, OTHER_PLACEHOLDER))
                if quote(secret, safe="") != secret:
                    pairs.append((quote(secret, safe=""), OTHER_PLACEHOLDER))
        # Longest first so a secret containing another is replaced whole.
        return sorted(pairs, key=lambda pair: -len(pair[0]))

    def text(self, value: str | None) -> str | None:
        if value is None:
            return None
        for secret, placeholder in self._pairs():
            value = value.replace(secret, placeholder)
        return value

    def header_value(self, name: str, value: str) -> str:
        if name.lower() in SECRET_HEADERS and value:
            if value == self._credential.header_value():
                return self._credential.redacted_value()
            return OTHER_PLACEHOLDER
        return self.text(value) or ""

    def headers(self, headers: Iterable[tuple[str, str]]) -> dict[str, str]:
        return {name: self.header_value(name, value) for name, value in headers}
