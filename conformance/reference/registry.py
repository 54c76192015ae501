"""One registry for what the reference server declares beside its rules: faults, behaviours and
legitimate variations.

Each is declared once, in the module of the rule it concerns (`declare_fault`,
`declare_behaviour`, `declare_variation` call `Registry.declare`); the declaration is the
registration. `everything()` imports every module of `conformance.reference` first, so nothing
declared anywhere in the package can be forgotten; a name declared twice is refused.
"""

from __future__ import annotations

import importlib
import pkgutil
import sys
from collections.abc import Iterable
from typing import Generic, TypeVar

T = TypeVar("T")


class DuplicateDeclaration(ValueError):
    """Two declarations use one name."""


def import_every_module() -> None:
    """Import every module of the package, so that every declaration has run."""
    import conformance.reference as package

    for module in pkgutil.walk_packages(package.__path__, f"{package.__name__}."):
        if not module.name.endswith(".__main__"):
            importlib.import_module(module.name)


class Registry(Generic[T]):
    def __init__(self, kind: str) -> None:
        self.kind = kind  # "fault", "behaviour", "variation": for messages
        self._declared: dict[str, tuple[T, str]] = {}  # name -> (item, declaring module)

    def declare(self, name: str, item: T, depth: int = 2) -> T:
        """Register `item` under `name`, declared by the module `depth` frames up."""
        module = str(sys._getframe(depth).f_globals.get("__name__", "?"))
        known = self._declared.get(name)
        if known is not None and known != (item, module):  # a re-import declares the same again
            raise DuplicateDeclaration(
                f"{self.kind} {name!r} is declared in {known[1]} and in {module}"
            )
        self._declared[name] = (item, module)
        return item

    def everything(self) -> dict[str, T]:
        """Every declared item, by name (sorted), after importing the whole package."""
        import_every_module()
        return {name: self._declared[name][0] for name in sorted(self._declared)}

    def unknown(self, names: Iterable[str], also: Iterable[str] = ()) -> list[str]:
        known = set(self.everything()) | set(also)
        return [name for name in names if name not in known]
