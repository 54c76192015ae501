"""Credentials: how the suite proves who it is, as one concept (httpx's `Auth` classes are the
model). A credential knows the header it travels in, the value it puts there, and how it shows
when redacted; the client, the pacer, the fuzz transport, the redactor and the output scrubber all
ask it instead of assuming an `X-API-Key` string.

* `ApiKey`: Plane's API key, `X-API-Key: <key>` (the docs' main way).
* `BearerToken`: an OAuth access token of a Plane app, `Authorization: Bearer <token>`.

Adding a credential type is one subclass here: its `scheme` (the name it travels under to xdist
workers), `header`, `variable` (the environment variable it is read from) and `placeholder` (what
records and curl lines show instead: that variable, which a reader can set) and, when the header's
value is more than the secret, `header_value`. Its header
joins `SECRET_HEADERS` by itself.

This module sits at the bottom of the layers: the target client, the reports' scrubber and the
reference server may all use it.
"""

from __future__ import annotations

import hashlib
from abc import ABC
from collections.abc import Mapping
from typing import ClassVar
from urllib.parse import quote

# Headers whose values are credentials whatever they look like (the credential types' own
# headers are added below, once the types are declared).
_OTHER_SECRET_HEADERS = frozenset({"proxy-authorization", "cookie", "set-cookie"})
# What a secret the suite sent but did not configure (an invalid key of a check) shows as.
OTHER_PLACEHOLDER = "<redacted>"
# Values this short would scrub ordinary text out of bodies; their headers are still redacted.
MIN_SCRUB_LENGTH = 6
_AUTH_SCHEMES = ("bearer ", "basic ", "token ")


def mask(secret: str) -> str:
    """What kind of key it is and how long, and not one character of its secret part."""
    kind = "plane_api_" if secret.startswith("plane_api_") else ""
    return f"{kind}*** ({len(secret)} characters)"


def secret_part(header_value: str) -> str:
    """The secret of a credential header's value: `Bearer abc` -> `abc`, `abc` -> `abc`."""
    lowered = header_value.lower()
    for scheme in _AUTH_SCHEMES:
        if lowered.startswith(scheme):
            return header_value[len(scheme) :].strip()
    return header_value


class Credential(ABC):
    """One secret and the request header it is sent in. Equal when kind and secret are equal;
    never shows its secret in a repr or str."""

    scheme: ClassVar[str]  # the name it travels under ("api-key"): see `to_wire`
    header: ClassVar[str]  # the request header it is sent in
    variable: ClassVar[str]  # the environment variable it is read from ("PLANE_API_KEY")
    placeholder: ClassVar[str]  # what records show instead of it: "$" + variable, for curl
    description: ClassVar[str]  # in words, for messages ("API key")
    _types: ClassVar[dict[str, type[Credential]]] = {}

    def __init_subclass__(cls, **kwargs: object) -> None:
        super().__init_subclass__(**kwargs)
        Credential._types[cls.scheme] = cls

    def __init__(self, secret: str) -> None:
        self._secret = secret

    @property
    def secret(self) -> str:
        """The secret itself, for the wire and for literal scrubbing (never print it)."""
        return self._secret

    def header_value(self, secret: str | None = None) -> str:
        """The header's value on the wire (for `secret`, another one of this kind)."""
        return self.secret if secret is None else secret

    def redacted_value(self) -> str:
        """The header's value as records show it."""
        return self.header_value(self.placeholder)

    def headers(self, spelling: str | None = None) -> dict[str, str]:
        """The header that carries it; `spelling` writes the header's name another way."""
        return {spelling or self.header: self.header_value()}

    def like(self, secret: str) -> Credential:
        """Another credential of the same kind (a check's invalid or empty key)."""
        return type(self)(secret)

    def replacements(self) -> list[tuple[str, str]]:
        """(text, placeholder) pairs a redactor replaces: the secret, also URL-quoted."""
        if len(self.secret) < MIN_SCRUB_LENGTH:
            return []
        pairs = [(self.secret, self.placeholder)]
        quoted = quote(self.secret, safe="")
        if quoted != self.secret:
            pairs.append((quoted, self.placeholder))
        return pairs

    def fingerprint(self) -> str:
        """A short digest that tells credentials apart without saying anything of them."""
        return hashlib.sha256(f"{self.scheme}\n{self.secret}".encode()).hexdigest()[:16]

    # -- to xdist workers ------------------------------------------------------------------

    def to_wire(self) -> dict[str, str]:
        return {"scheme": self.scheme, "secret": self.secret}

    @classmethod
    def from_wire(cls, data: object) -> Credential:
        if not isinstance(data, Mapping):
            raise TypeError(f"a credential travels as a mapping, not {type(data).__name__}")
        scheme, secret = data.get("scheme"), data.get("secret")
        kind = Credential._types.get(str(scheme))
        if kind is None or not isinstance(secret, str):
            raise TypeError(f"unknown credential scheme {scheme!r}")
        return kind(secret)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Credential) and (self.scheme, self.secret) == (
            other.scheme,
            other.secret,
        )

    def __hash__(self) -> int:
        return hash((self.scheme, self.secret))

    def __repr__(self) -> str:
        return f"{type(self).__name__}({mask(self.secret)})"

    __str__ = __repr__


class ApiKey(Credential):
    """A Plane API key: `X-API-Key: <key>`."""

    scheme = "api-key"
    header = "X-API-Key"
    variable = "PLANE_API_KEY"
    placeholder = "$PLANE_API_KEY"
    description = "API key"


class BearerToken(Credential):
    """An OAuth access token of a Plane app: `Authorization: Bearer <token>`."""

    scheme = "bearer"
    header = "Authorization"
    variable = "PLANE_ACCESS_TOKEN"
    placeholder = "$PLANE_ACCESS_TOKEN"
    description = "access token"

    def header_value(self, secret: str | None = None) -> str:
        return f"Bearer {self.secret if secret is None else secret}"


def credential_types() -> tuple[type[Credential], ...]:
    return tuple(Credential._types.values())


# The headers a credential of the suite travels in (lower case).
CREDENTIAL_HEADERS = frozenset(kind.header.lower() for kind in credential_types())
# The one list of header names whose values are secrets: the redactor, the reports' scrubber
# and the client all read it.
SECRET_HEADERS = _OTHER_SECRET_HEADERS | CREDENTIAL_HEADERS
# Every placeholder a redacted record may hold (curl lines keep them expandable).
PLACEHOLDERS = tuple(kind.placeholder for kind in credential_types())


def environment_secrets(environ: Mapping[str, str]) -> list[str]:
    """The credentials' values found in the environment (what the scrubber always removes)."""
    return [environ.get(kind.variable, "") for kind in credential_types()]
