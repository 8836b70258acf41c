"""planning.settings: process options only, validated; county facts live in planning.County."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pyogrio
import pytest

import planning
from planning import settings
from planning.io import _read


@pytest.fixture(autouse=True)
def _defaults() -> Iterator[None]:
    settings.reset()
    yield
    settings.reset()  # no test leaves an option changed for the next


def test_the_options_and_their_defaults() -> None:
    assert settings.current() == {"sliver_area_m2": 66.7,
                                  "encoding_sniff_bytes": 4 * 1024 * 1024}
    assert set(settings.OPTIONS) == {"sliver_area_m2", "encoding_sniff_bytes"}


@pytest.mark.parametrize("name", ["sliver_area", "sliver_area_m", "encoding_sniff",
                                  "Sliver_area_m2"])
def test_a_misspelt_option_raises_and_names_the_valid_ones(name: str) -> None:
    with pytest.raises(AttributeError, match="the options are: encoding_sniff_bytes, "
                       "sliver_area_m2") as info:
        setattr(planning.settings, name, 10)
    assert "did you mean" in str(info.value)
    with pytest.raises(AttributeError, match="has no option"):
        getattr(planning.settings, name)
    assert not hasattr(planning.settings, name)


def test_values_are_type_checked() -> None:
    planning.settings.sliver_area_m2 = 50  # an int is a fine area
    assert planning.settings.sliver_area_m2 == 50.0
    assert isinstance(planning.settings.sliver_area_m2, float)
    with pytest.raises(TypeError, match=r"sliver_area_m2 must be an area in m², 0 or more"):
        planning.settings.sliver_area_m2 = "50"
    with pytest.raises(TypeError, match="got bool"):
        planning.settings.sliver_area_m2 = True
    with pytest.raises(ValueError, match="0 or more"):
        planning.settings.sliver_area_m2 = -1
    with pytest.raises(ValueError, match="0 or more"):
        planning.settings.sliver_area_m2 = float("inf")
    with pytest.raises(TypeError, match="encoding_sniff_bytes must be a number of bytes"):
        planning.settings.encoding_sniff_bytes = 1024.0
    with pytest.raises(ValueError, match="1 or more"):
        planning.settings.encoding_sniff_bytes = 0
    assert planning.settings.current() == {"sliver_area_m2": 50.0,
                                           "encoding_sniff_bytes": 4 * 1024 * 1024}
    with pytest.raises(AttributeError, match="cannot be deleted"):
        del planning.settings.sliver_area_m2


@pytest.mark.parametrize("name", ["working_crs", "county_code", "county_bounds_lonlat",
                                  "extent_tolerance_m"])
def test_the_county_globals_are_gone_with_a_pointer_to_county(name: str) -> None:
    with pytest.raises(AttributeError, match=r"fact about a county.*planning\.County.*"
                       r"Workspace\(\.\.\., county=county\)"):
        setattr(planning.settings, name, "EPSG:4547")
    with pytest.raises(AttributeError, match=r"planning\.TAIQIAN"):
        getattr(planning.settings, name)


@pytest.mark.parametrize("name", ["area_rtol", "progress"])
def test_unused_settings_are_gone(name: str) -> None:
    with pytest.raises(AttributeError, match="never read by any function"):
        getattr(planning.settings, name)


def test_override_restores_even_after_an_error() -> None:
    planning.settings.sliver_area_m2 = 12.5
    with settings.override(sliver_area_m2=10, encoding_sniff_bytes=1024):
        assert settings.current() == {"sliver_area_m2": 10.0, "encoding_sniff_bytes": 1024}
    assert settings.current() == {"sliver_area_m2": 12.5,
                                  "encoding_sniff_bytes": 4 * 1024 * 1024}
    with pytest.raises(RuntimeError, match="boom"), settings.override(sliver_area_m2=1):
        raise RuntimeError("boom")
    assert planning.settings.sliver_area_m2 == 12.5
    # a bad value changes nothing, not even the good ones given with it
    with pytest.raises(ValueError, match="1 or more"), \
            settings.override(sliver_area_m2=1, encoding_sniff_bytes=0):
        pass  # pragma: no cover - never entered
    assert planning.settings.sliver_area_m2 == 12.5
    with pytest.raises(AttributeError, match="did you mean 'sliver_area_m2'"), \
            settings.override(sliver_area=1):
        pass  # pragma: no cover - never entered


def test_sliver_area_is_read_by_the_conformity_check(sample_ro: planning.Workspace) -> None:
    default = planning.check_conformity(sample_ro)
    with settings.override(sliver_area_m2=0):
        none = planning.check_conformity(sample_ro)
    with settings.override(sliver_area_m2=1_000):
        more = planning.check_conformity(sample_ro)
    counts = [int(r.discrepancies["sliver"].sum()) for r in (none, default, more)]
    assert counts[0] == 0
    assert counts[0] < counts[1] < counts[2]
    explicit = planning.check_conformity(sample_ro, min_area_m2=1_000)
    assert int(explicit.discrepancies["sliver"].sum()) == counts[2]


def test_encoding_sniff_bytes_is_read_by_read_layer(tmp_path: Path, squares,
                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    frame = squares.assign(name=["城关镇第一"] * 4)
    path = tmp_path / "gbk.shp"
    pyogrio.write_dataframe(frame, path, encoding="GBK")
    path.with_suffix(".cpg").unlink()
    limits: list[int] = []
    real = _read.detect_shapefile_encoding

    def spy(dbf: Path, limit: int) -> tuple[str, str, bool]:
        limits.append(limit)
        return real(dbf, limit)

    monkeypatch.setattr(_read, "detect_shapefile_encoding", spy)
    read = planning.read_layer(path, county=planning.TAIQIAN)
    with settings.override(encoding_sniff_bytes=2048):
        again = planning.read_layer(path, county=planning.TAIQIAN)
    assert limits == [4 * 1024 * 1024, 2048]
    assert read.attrs["planning_report"].encoding == "gb18030"
    assert again["name"].tolist() == ["城关镇第一"] * 4
