"""Process options of the toolkit, validated, read by functions when they run (never at import).

Options are attributes of this module; an assignment is checked (a misspelt name raises
:class:`AttributeError` naming the options, a value of the wrong type :class:`TypeError`, one
out of range :class:`ValueError`), and :func:`override` changes options for a ``with`` block:

>>> import planning
>>> planning.settings.sliver_area_m2
66.7
>>> with planning.settings.override(sliver_area_m2=10):
...     planning.settings.sliver_area_m2
10.0
>>> planning.settings.sliver_area_m2
66.7
>>> planning.settings.sliver_area_m = 10  # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AttributeError: planning.settings has no option 'sliver_area_m' (did you mean 'sliver_area_m2'?)...

Facts about a county (its CRS, bounds, code) are not options: they travel with the data as a
:class:`planning.County` (``Workspace(county=...)``, ``read_layer(..., county=...)``).

Options are process-wide (not per thread). They are read in the process that calls a function:
work sent to Dask workers gets the values as arguments, so workers never read this module.

========================  ==========  =============================================================
option                    default     meaning
========================  ==========  =============================================================
``sliver_area_m2``        66.7        patches smaller than this (m²) are flagged as slivers by
                                      :func:`planning.check_conformity` (0.1 mu, the common QA
                                      default); ``min_area_m2=`` overrides it per call
``encoding_sniff_bytes``  4194304     bytes of a Shapefile's ``.dbf`` read to detect its text
                                      encoding (the whole file when smaller)
========================  ==========  =============================================================
"""

from __future__ import annotations

import contextlib
import difflib
import math
import numbers
import sys
import types
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

#: Patches smaller than this are flagged as slivers (0.1 mu, the common QA default), in m².
sliver_area_m2: float = 66.7

#: Bytes read from a .dbf to detect its text encoding (the whole file when smaller).
encoding_sniff_bytes: int = 4 * 1024 * 1024


@dataclass(frozen=True)
class Option:
    """One option: its type, default, check and meaning."""

    name: str
    kind: type
    default: Any
    check: Callable[[Any], bool]
    rule: str
    doc: str


def _positive_finite(value: float) -> bool:
    return math.isfinite(value) and value >= 0


#: every option, by name
OPTIONS: dict[str, Option] = {o.name: o for o in (
    Option("sliver_area_m2", float, sliver_area_m2, _positive_finite,
           "an area in m², 0 or more", "sliver threshold of the conformity check, m²"),
    Option("encoding_sniff_bytes", int, encoding_sniff_bytes, lambda v: v > 0,
           "a number of bytes, 1 or more", "bytes of a .dbf read to detect its encoding"),
)}

#: names that were settings once, and where the value lives now
REMOVED: dict[str, str] = {
    **dict.fromkeys(
        ("working_crs", "county_code", "county_bounds_lonlat", "extent_tolerance_m"),
        "is a fact about a county, not a process option: it lives in a planning.County "
        "(planning.TAIQIAN for the sample, County(...) or County.from_outline(outline) for "
        "another county). Pass it as Workspace(..., county=county), "
        "read_layer(..., county=county) or open_workspace(path, county=county), and read it "
        "back from ws.county"),
    **dict.fromkeys(("area_rtol", "progress"),
                    "was never read by any function and has been removed"),
}


def _unknown(name: str) -> AttributeError:
    if name in REMOVED:
        return AttributeError(f"planning.settings.{name} {REMOVED[name]}.")
    close = difflib.get_close_matches(name, OPTIONS, n=1)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return AttributeError(f"planning.settings has no option {name!r}{hint}; the options are: "
                          f"{', '.join(sorted(OPTIONS))}.")


def _checked(name: str, value: Any) -> Any:
    """``value`` as option ``name`` stores it; raise when it cannot be."""
    option = OPTIONS[name]
    accepted = numbers.Real if option.kind is float else numbers.Integral
    if isinstance(value, bool) or not isinstance(value, accepted):
        msg = (f"planning.settings.{name} must be {option.rule} ({option.kind.__name__}), got "
               f"{type(value).__name__} {value!r}.")
        raise TypeError(msg)
    value = option.kind(value)
    if not option.check(value):
        msg = f"planning.settings.{name} must be {option.rule}, got {value!r}."
        raise ValueError(msg)
    return value


class _SettingsModule(types.ModuleType):
    """This module, with assignments to it checked."""

    def __getattr__(self, name: str) -> Any:  # only for names that are not there
        if name.startswith("__"):
            raise AttributeError(name)
        raise _unknown(name)

    def __setattr__(self, name: str, value: Any) -> None:
        if name in OPTIONS:
            super().__setattr__(name, _checked(name, value))
        elif name.startswith("_"):
            super().__setattr__(name, value)
        else:
            raise _unknown(name)

    def __delattr__(self, name: str) -> None:
        if name in OPTIONS:
            msg = (f"planning.settings.{name} cannot be deleted; use "
                   "planning.settings.reset() to restore the defaults.")
            raise AttributeError(msg)
        super().__delattr__(name)


def current() -> dict[str, Any]:
    """The options as they are now, by name.

    Examples
    --------
    >>> sorted(current())
    ['encoding_sniff_bytes', 'sliver_area_m2']
    """
    module = sys.modules[__name__]
    return {name: getattr(module, name) for name in OPTIONS}


def reset() -> None:
    """Restore every option to its default."""
    module = sys.modules[__name__]
    for name, option in OPTIONS.items():
        setattr(module, name, option.default)


@contextlib.contextmanager
def override(**values: Any) -> Iterator[None]:
    """Change options inside a ``with`` block; the previous values come back after it.

    Every value is checked before any is changed, so a bad one changes nothing.

    Examples
    --------
    >>> import planning
    >>> with override(encoding_sniff_bytes=1024):
    ...     planning.settings.encoding_sniff_bytes
    1024
    """
    module = sys.modules[__name__]
    for name in values:
        if name not in OPTIONS:
            raise _unknown(name)
    checked = {name: _checked(name, value) for name, value in values.items()}
    before = current()
    try:
        for name, value in checked.items():
            setattr(module, name, value)
        yield
    finally:
        for name in checked:
            setattr(module, name, before[name])


sys.modules[__name__].__class__ = _SettingsModule
