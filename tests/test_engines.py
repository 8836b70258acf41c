"""Engine objects and the one dispatch (planning.overlay.engines)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest

import planning
from planning import overlay
from planning._errors import InputError
from planning.overlay import DaskEngine, Engine, Geoms, LocalEngine, Pieces, get_engine
from planning.workspace import Workspace
from tests.conftest import need_tool
from tests.test_overlay import assert_same_pieces, oracle

try:
    from distributed import Client, LocalCluster, get_task_stream
except ImportError:  # pragma: no cover - the dask extra is part of the test setup
    Client = None


@dataclass(frozen=True)
class CountingEngine(Engine):
    """An engine of one's own: the local engine, counting the overlays it is given."""

    calls: Counter[str] = field(default_factory=Counter)

    def pieces(self, left: Geoms, right: Geoms) -> Pieces:
        self.calls["pieces"] += 1
        return LocalEngine().pieces(left, right)

    def intersection(self, left: gpd.GeoDataFrame, right: gpd.GeoDataFrame, *,
                     validate: bool = True) -> gpd.GeoDataFrame:
        self.calls["intersection"] += 1
        return LocalEngine().intersection(left, right, validate=validate)


# --- get_engine --------------------------------------------------------------------------


def test_names_give_engines() -> None:
    assert get_engine() == LocalEngine()
    assert get_engine(None) == LocalEngine()
    assert get_engine("local") == LocalEngine(workers=None)
    assert get_engine("local", workers=3) == LocalEngine(workers=3)
    assert get_engine("local", workers=3).workers == 3
    need_tool(Client is not None, "the dask extra (pip install 'planning[dask]')")
    dask = get_engine("dask", npartitions=4, threads_per_task=2)
    assert dask == DaskEngine(npartitions=4, threads_per_task=2)
    assert (dask.client, dask.local_below, dask.workers) == (None, 10_000, None)


def test_objects_are_returned_as_they_are() -> None:
    local, own = LocalEngine(workers=1), CountingEngine()
    assert get_engine(local) is local
    assert get_engine(own) is own
    with pytest.raises(TypeError, match=r"'workers' were given with an engine object "
                                        r"\(LocalEngine\).*give them to the object"):
        get_engine(local, workers=2)
    with pytest.raises(TypeError, match="CountingEngine"):
        get_engine(own, npartitions=2)


@pytest.mark.parametrize("name", ["spark", "Local", "", 42, LocalEngine])
def test_unknown_engines_are_listed(name: object) -> None:
    with pytest.raises(InputError, match=r"Unknown engine .*: use one of 'dask', 'local', or "
                                         r"an engine object .*pip install 'planning\[dask\]'"):
        get_engine(name)  # type: ignore[arg-type]


def test_options_for_the_wrong_engine() -> None:
    with pytest.raises(TypeError, match=r"Unknown option 'client' for engine='local' "
                                        r"\(LocalEngine takes workers\); 'client' is an option "
                                        r"of engine='dask'\."):
        get_engine("local", client=None)
    with pytest.raises(TypeError, match=r"Unknown options 'colour', 'npartitions' for "
                                        r"engine='local'.*; 'npartitions' is an option of "
                                        r"engine='dask'\.$"):
        get_engine("local", npartitions=2, colour="red")
    need_tool(Client is not None, "the dask extra")
    with pytest.raises(TypeError, match=r"'workers' for engine='dask' \(DaskEngine takes "
                                        r"client, npartitions, threads_per_task, local_below\); "
                                        r"'workers' is an option of engine='local'"):
        get_engine("dask", workers=2)


@pytest.mark.parametrize("value", [0, -1, 2.5, "4", True])
def test_option_values_are_checked(value: object) -> None:
    with pytest.raises(InputError, match=r"workers must be None or a whole number of at "
                                         r"least 1, got"):
        LocalEngine(workers=value)  # type: ignore[arg-type]
    assert LocalEngine(workers=np.int64(2)).workers == 2


def test_engines_are_frozen() -> None:
    engine = LocalEngine(workers=2)
    with pytest.raises(AttributeError):
        engine.workers = 4  # type: ignore[misc]
    with pytest.raises(TypeError):
        LocalEngine(2)  # type: ignore[misc]  # options are keyword-only
    with pytest.raises(TypeError, match="abstract"):
        Engine()  # type: ignore[abstract]


# --- the entry points --------------------------------------------------------------------


def test_intersection_on_an_engine_object_equals_geopandas(sample_ro: Workspace) -> None:
    land, urban = sample_ro["landuse_plan"], sample_ro["urban_plan"]
    got = overlay.intersection(land, urban, engine=LocalEngine(workers=1))
    assert_same_pieces(got, oracle(land, urban), ["patch_id", "zone_id"])
    pd.testing.assert_frame_equal(pd.DataFrame(got.drop(columns="geometry")),
                                  pd.DataFrame(overlay.intersection(land, urban, workers=2)
                                               .drop(columns="geometry")))
    own = CountingEngine()
    assert overlay.intersection(land, urban, engine=own).equals(got)
    assert own.calls == Counter({"intersection": 1})


def test_entry_points_refuse_options_with_an_object(sample_ro: Workspace) -> None:
    land, urban = sample_ro["landuse_plan"], sample_ro["urban_plan"]
    with pytest.raises(TypeError, match="engine object"):
        overlay.intersection(land, urban, engine=LocalEngine(), workers=2)
    with pytest.raises(TypeError, match="engine object"):
        planning.check_conformity(sample_ro, engine=LocalEngine(), workers=2)
    with pytest.raises(TypeError, match=r"'client' for engine='local'"):
        overlay.intersection(land, urban, client=None)
    with pytest.raises(InputError, match="Unknown engine 'spark'"):
        planning.discrepancies(urban, land, engine="spark")
    with pytest.raises(InputError, match="Unknown engine 'spark'"):
        planning.check_projects(sample_ro["projects"], urban_plan=urban, landuse_plan=land,
                                engine="spark")


def test_conformity_runs_every_overlay_on_the_engine(sample_ro: Workspace) -> None:
    own = CountingEngine()
    got = planning.check_conformity(sample_ro, engine=own)
    expected = planning.check_conformity(sample_ro, engine=LocalEngine(workers=1))
    # 3 for the patches (plans x plans, the splits by farmland and townships) and 6 for the
    # project sites against the plan layers: none runs beside the engine
    assert own.calls["pieces"] == 9
    assert own.calls["intersection"] == 0
    pd.testing.assert_frame_equal(pd.DataFrame(got.discrepancies.drop(columns="geometry")),
                                  pd.DataFrame(expected.discrepancies.drop(columns="geometry")))
    pd.testing.assert_frame_equal(got.reasons, expected.reasons)


# --- the Dask engine on the client it is given -------------------------------------------


@pytest.fixture(scope="module")
def two_clients() -> Iterator[tuple[Client, Client]]:
    """Two in-process clusters: the current client, and another one that is not current."""
    need_tool(Client is not None, "the dask extra (pip install 'planning[dask]')")
    with LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                      dashboard_address=":0") as first, \
            LocalCluster(n_workers=1, threads_per_worker=2, processes=False,
                         dashboard_address=":0") as second, \
            Client(first) as current, Client(second, set_as_default=False) as given:
        yield current, given


def overlay_tasks(stream: object) -> int:
    """Tasks of a task stream that intersected a pair of partitions."""
    data = stream.data  # type: ignore[attr-defined]
    return sum("_pair_pieces" in str(task["key"]) for task in data)


def test_conformity_runs_on_the_client_given(two_clients: tuple[Client, Client],
                                             sample_ro: Workspace) -> None:
    current, given = two_clients
    expected = planning.check_conformity(sample_ro)
    with get_task_stream(client=current) as on_current, \
            get_task_stream(client=given) as on_given:
        got = planning.check_conformity(sample_ro,
                                        engine=DaskEngine(client=given, npartitions=3))
    assert overlay_tasks(on_given) > 10
    assert overlay_tasks(on_current) == 0
    for name in ("discrepancies", "projects"):
        a, b = getattr(got, name), getattr(expected, name)
        attrs = [c for c in b.columns if c != "geometry" and "area" not in c]
        pd.testing.assert_frame_equal(pd.DataFrame(a[attrs]), pd.DataFrame(b[attrs]))
        np.testing.assert_allclose(a.area.to_numpy(), b.area.to_numpy(), rtol=1e-9, atol=1e-6)
    pd.testing.assert_frame_equal(got.reasons, expected.reasons, rtol=1e-9, atol=1e-6)
    pd.testing.assert_series_equal(got.areas, expected.areas, rtol=1e-12)


def test_by_name_the_current_client_runs_it(two_clients: tuple[Client, Client],
                                            sample_ro: Workspace) -> None:
    current, given = two_clients
    land, urban = sample_ro["landuse_plan"], sample_ro["urban_plan"]
    with get_task_stream(client=current) as on_current, \
            get_task_stream(client=given) as on_given:
        got = overlay.intersection(land, urban, engine="dask", npartitions=3)
    assert overlay_tasks(on_current) > 0
    assert overlay_tasks(on_given) == 0
    assert_same_pieces(got, oracle(land, urban), ["patch_id", "zone_id"])
