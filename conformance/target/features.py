"""Project features the checks need: cycles, modules and intake, off on a new Plane project.

Plane creates a project with `cycle_view`, `module_view` and `intake_view` off and refuses cycle,
module and intake operations until they are turned on (documented project settings, on the
Create- and Update-project pages). The suite's own scratch project turns them on right after it
is created; a project given with --project is never changed, so what is off there stays off, and
the checks that need it are *blocked* with the reason.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from conformance.outcomes import Blocked

# The collection segment inside a project -> (feature, project setting).
GATED = {
    "cycles": ("cycles", "cycle_view"),
    "archived-cycles": ("cycles", "cycle_view"),
    "modules": ("modules", "module_view"),
    "archived-modules": ("modules", "module_view"),
    "intake-issues": ("intake", "intake_view"),
}
SETTINGS = {feature: setting for feature, setting in GATED.values()}


def feature_of(path: str) -> str | None:
    """The feature a path inside a project belongs to (".../projects/<id>/cycles/..." ->
    "cycles"), or None."""
    segments = path.strip("/").split("/")
    for index, segment in enumerate(segments[:-2]):
        if segment == "projects" and segments[index + 2] in GATED:
            return GATED[segments[index + 2]][0]
    return None


class ProjectFeatures:
    """Which features are usable in the project the checks work in, and why not."""

    def __init__(self) -> None:
        self._off: dict[str, str] = {}  # feature -> why it cannot be used

    def read_from(self, project: Mapping[str, object], why_off: Callable[[str, str], str]) -> None:
        """Take the settings as the project shows them; `why_off(feature, setting)` says why a
        feature is off. A setting the answer does not show is taken as on."""
        for feature, setting in SETTINGS.items():
            if project.get(setting) is False:
                self._off[feature] = why_off(feature, setting)
            else:
                self._off.pop(feature, None)

    def refuse_all(self, reason: str) -> None:
        for feature in SETTINGS:
            self._off[feature] = reason

    def why_off(self, feature: str) -> str | None:
        return self._off.get(feature)

    def require(self, feature: str) -> None:
        """Raise Blocked when `feature` cannot be used in this project."""
        why = self._off.get(feature)
        if why:
            raise Blocked(why)

    def require_for(self, path: str) -> None:
        """Raise Blocked when `path` lies in a feature that is off."""
        feature = feature_of(path)
        if feature:
            self.require(feature)
