"""Classification tables: contents checked against the standards' structure, matching rules,
errors that list every unknown code, and user tables."""

from __future__ import annotations

import pandas as pd
import pytest

from planning import classes
from planning._errors import InputError, UnknownCodeError

KEYS = ["gb50137", "tdt1024", "gbt21010", "guide2023", "landuse_zones", "control_zones"]


@pytest.mark.parametrize("key", KEYS)
def test_every_table_is_complete(key: str) -> None:
    t = classes.table(key)
    assert t["code"].is_unique
    assert (t["name_zh"].str.len() > 0).all()
    assert (t["name_en"].str.len() > 0).all()
    assert t["broad"].isin(classes.BROAD_CLASSES).all()
    parents = set(t["parent"]) - {""}
    assert parents <= set(t["code"]), f"parents missing from {key}: {parents - set(t['code'])}"
    for code, parent in zip(t["code"], t["parent"], strict=True):
        assert not parent or code.startswith(parent) or key == "gb50137"


def test_gb50137_construction_and_water() -> None:
    t = classes.table("gb50137").set_index("code")
    urban = t[t.index.str[0].isin(list("RABMWSUG"))]
    assert len(urban) > 60
    assert (urban["broad"] == "construction").all()
    assert (t.loc[t.index.str.startswith("H"), "broad"] == "construction").all()
    assert (t.loc[t.index.str.startswith("E"), "broad"] != "construction").all()
    assert t.loc["E12", "water"] == "reservoir"
    assert set(t.loc[["E1", "E11", "E13"], "water"]) == {"water"}


def test_tdt1024_first_digit_gives_the_broad_class() -> None:
    t = classes.table("tdt1024")
    expected = t["code"].str[0].map({"1": "agricultural", "2": "construction", "3": "unused"})
    assert (t["broad"] == expected).all()
    assert t.set_index("code").loc["226", "water"] == "reservoir"


def test_gbt21010_three_classes_follow_the_domain_notes() -> None:
    """The three legal classes as listed in DOMAIN.md section 2, written out here
    independently of the CSV."""
    agricultural = {"0101", "0102", "0103", "0201", "0202", "0203", "0204", "0301", "0302",
                    "0303", "0304", "0305", "0306", "0307", "0401", "0402", "0403", "1006",
                    "1103", "1104", "1107", "1202", "1203"}
    unused = {"0404", "1101", "1102", "1105", "1106", "1108", "1110", "1204", "1205", "1206",
              "1207"}
    t = classes.table("gbt21010")
    second = t[t["code"].str.len() == 4].set_index("code")["broad"]
    for code, broad in second.items():
        if code in agricultural:
            assert broad == "agricultural", code
        elif code in unused:
            assert broad == "unused", code
        else:
            assert broad == "construction", code
    assert len(second) == 73


def test_longest_prefix_and_normalisation() -> None:
    assert classes.match_codes(["M1", "M4", "R23", " a33 "], "gb50137").tolist() \
        == ["M1", "M", "R2", "A33"]
    assert classes.match_codes([211.0, 2261, "11"], "tdt1024").tolist() == ["211", "226", "11"]
    assert classes.match_codes([10, "030", 40.0], "landuse_zones").tolist() == ["010", "030",
                                                                                "040"]
    assert classes.match_codes([101, "0702"], "gbt21010").tolist() == ["0101", "0702"]
    with pytest.raises(UnknownCodeError):
        classes.match_codes(["ROAD"], "gb50137")  # a prefix must be followed by digits


def test_unknown_codes_are_listed_with_their_rows() -> None:
    with pytest.raises(UnknownCodeError) as err:
        classes.match_codes(["R2", "X9", "Q", "X9", None], "gb50137", source="urban_plan")
    problems = {p.value: p.message for p in err.value.problems}
    assert set(problems) == {"X9", "Q", "<missing>"}
    assert "rows 1, 3" in problems["X9"]
    assert "2 row(s)" in problems["X9"]
    assert "rows 4" in problems["<missing>"]
    assert "urban_plan.class_code" in str(err.value)
    assert "gb50137" in str(err.value)


def test_codes_too_coarse_are_an_error() -> None:
    with pytest.raises(UnknownCodeError, match="too coarse"):
        classes.is_construction(["11", "1101"], "gbt21010")
    assert classes.is_construction(["1101", "1109"], "gbt21010").tolist() == [False, True]


def test_a_province_can_bring_its_own_table(tmp_path: object) -> None:
    own = pd.DataFrame({"code": ["JS1", "JS2"], "level": ["1", "1"], "parent": ["", ""],
                        "name_zh": ["建设", "农业"], "name_en": ["built", "farm"],
                        "broad": ["construction", "agricultural"], "water": ["", ""]})
    assert classes.is_construction(["JS1", "JS21"], own).tolist() == [True, False]
    path = tmp_path / "own.csv"  # type: ignore[operator]
    own.to_csv(path, index=False)
    assert classes.match_codes(["JS2"], path).tolist() == ["JS2"]


def test_bad_user_tables_list_every_problem() -> None:
    bad = pd.DataFrame({"code": ["A", "A", ""], "level": "1", "parent": "", "name_zh": "x",
                        "name_en": "x", "broad": ["construction", "built", "unused"],
                        "water": ""})
    with pytest.raises(InputError) as err:
        classes.table(bad)
    messages = " | ".join(str(p) for p in err.value.problems)
    assert "code is empty" in messages
    assert "more than once" in messages
    assert "'built'" in messages
    with pytest.raises(InputError, match="column is missing"):
        classes.table(bad.drop(columns="broad"))
    with pytest.raises(InputError, match="Unknown classification 'gb9999'"):
        classes.table("gb9999")


@pytest.mark.parametrize(("project", "zoned", "result"), [
    ("R2", "R21", "conforms"), ("R2", "M1", "conflict"), ("R2", "B1", "conditional"),
    ("A21", "A1", "conforms"), ("A7", "G1", "conditional"), ("A1", "G1", "conflict"),
    ("S1", "G2", "conditional"), ("S1", "E2", "conflict"), ("H22", "S1", "conforms"),
    ("H3", "U11", "conforms"), ("M1", "W1", "conditional"), ("H14", "H14", "conforms"),
])
def test_compatibility(project: str, zoned: str, result: str) -> None:
    assert classes.compatible(project, zoned)[0] == result


def test_compatibility_table_uses_real_codes() -> None:
    t = classes.compatibility()
    known = set(classes.table("gb50137")["code"])
    assert set(t["project_class"]) <= known
    assert set(t["zoned_class"]) <= known
    assert set(t["result"]) <= {"conforms", "conditional"}
    assert not t.duplicated(["project_class", "zoned_class"]).any()


# --- colours and what the map draws ------------------------------------------------------------

@pytest.mark.parametrize("key", KEYS)
def test_every_class_has_a_colour_and_first_levels_their_own(key: str) -> None:
    t = classes.table(key)
    fills = classes.colours(key)
    assert fills.index.tolist() == t["code"].tolist()
    assert fills.str.fullmatch(r"#[0-9a-f]{6}").all()
    first = t[t["level"] == "1"]
    assert (first["colour"] != "").all(), f"first levels of {key} without a colour"
    # a child without a colour of its own looks like its parent
    by_code = t.set_index("code")
    for code, row in by_code.iterrows():
        if not row["colour"] and row["parent"] and row["level"] != "1":
            assert fills[code] == fills[row["parent"]], code


def test_the_map_colours_of_the_standard_conventions() -> None:
    urban = classes.colours("gb50137")
    assert urban[["R", "A", "B", "M", "W", "S", "U", "G"]].tolist() == [
        "#ffff4d", "#ff66cc", "#ff3333", "#a0785a", "#9966ff", "#a6a6a6", "#3399cc", "#33cc33"]
    assert urban["E12"] == urban["E1"] == "#99ddff"
    land = classes.colours("tdt1024")
    assert land[["11", "111", "211", "226", "21"]].tolist() == [
        "#f7f7a1", "#f7f7a1", "#fb6a4a", "#6baed6", "#fcbba1"]
    assert classes.colours("control_zones").tolist() == ["#fc8d59", "#fee08b", "#d9ef8b",
                                                         "#1a9850"]


def test_styles_match_as_the_check_and_never_raise() -> None:
    values = ["R2", "M4", "M4x", "ROAD", "r22", 11.0, None, "", "E12"]
    rows = classes.styles(values, "gb50137")
    assert rows["code"].tolist() == ["R2", "M", pd.NA, pd.NA, "R22", pd.NA, pd.NA, pd.NA, "E12"]
    for value, code in zip(values, rows["code"], strict=True):
        if pd.isna(code):
            with pytest.raises(UnknownCodeError):
                classes.match_codes([value], "gb50137")
        else:
            assert classes.match_codes([value], "gb50137").item() == code
    other = rows[rows["code"].isna()]
    assert set(other["label"]) == {"其他代码 other codes"}
    assert set(other["colour"]) == {"#cccccc"}
    assert rows.loc[0, "label"] == "R2 二类居住用地 residential class 2"
    assert rows.loc[8, "colour"] == "#99ddff"


def test_colours_of_user_tables() -> None:
    table = pd.DataFrame({"code": ["A", "A1", "B", "B1", "C"], "level": ["1", "2", "1", "2", "1"],
                          "parent": ["", "A", "", "B", ""], "name_zh": list("甲乙丙丁戊"),
                          "name_en": list("abcde"), "broad": ["construction"] * 5,
                          "water": [""] * 5})
    plain = classes.colours(table)
    assert plain["A1"] == plain["A"] != plain["B"] == plain["B1"] != plain["C"]
    coloured = table.assign(colour=["#FF0000", "", "", "#00ff00", ""])
    fills = classes.colours(coloured)
    assert fills[["A", "A1", "B1"]].tolist() == ["#ff0000", "#ff0000", "#00ff00"]
    assert fills["B"] not in ("#ff0000", "#00ff00")  # a palette colour, not B1's
    bad = table.assign(colour=["red", "", "#12345", "", "#abcdef"])
    with pytest.raises(InputError) as err:
        classes.table(bad)
    assert {(p.row, p.value) for p in err.value.problems} == {(0, "red"), (2, "#12345")}
    assert "#rrggbb" in str(err.value.problems[0])
