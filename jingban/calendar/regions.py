"""Regions and their calendar profile: which regional overlay and which office hours."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from functools import cache
from importlib import resources
from typing import Any

from jingban.calendar.errors import UnknownRegion
from jingban.calendar.office_hours import OfficeHours

OVERLAYS = ("national", "xinjiang")


@dataclass(frozen=True)
class RegionProfile:
    """How one region keeps time: its name, regional overlay and office hours."""

    key: str
    name: str
    overlay: str
    hours: OfficeHours


def load_data(name: str) -> dict[str, Any]:
    """Read one of the calendar's packaged TOML data files."""
    text = resources.files("jingban.calendar").joinpath("data", name).read_text("utf-8")
    return tomllib.loads(text)


@cache
def _profiles() -> dict[str, RegionProfile]:
    data = load_data("regions.toml")
    hours = {key: OfficeHours.from_config(value) for key, value in data["hours"].items()}
    return {
        key: RegionProfile(key, spec["name"], spec["overlay"], hours[spec["hours"]])
        for key, spec in data["regions"].items()
    }


REGION_KEYS: tuple[str, ...] = ("sichuan", "bingtuan", "tacheng", "kashgar", "shawan")


def region_profile(key: str, *, overlay: str | None = None) -> RegionProfile:
    """The profile of region ``key``; ``overlay`` overrides its regional overlay.

    Raises `UnknownRegion` for a key the product does not know.
    """
    profiles = _profiles()
    if key not in profiles:
        known = "、".join(profiles)
        raise UnknownRegion(f"未知地区 {key!r}；可用地区: {known}")
    profile = profiles[key]
    if overlay is not None:
        if overlay not in OVERLAYS:
            raise UnknownRegion(f"未知日历 {overlay!r}；可用: {'、'.join(OVERLAYS)}")
        profile = RegionProfile(profile.key, profile.name, overlay, profile.hours)
    return profile
