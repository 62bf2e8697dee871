"""County extracts (--counties), voters files dropped without their history (--no-history) and the board's
undated file names (--undated-names): what is written, and what the facts file says about it."""

from __future__ import annotations

from datetime import date

import pytest

from voter_platform.cli import main
from voter_platform.generate import reference
from voter_platform.generate.config import ConfigError, GenerateConfig
from voter_platform_tests.test_generate.conftest import small_run
from voter_platform_tests.test_generate.files import facts_of, manifest_rows, records

DAY = date(2026, 11, 4)


def test_an_ncsbe_county_extract_is_named_and_filled_like_the_boards(tmp_path):
    result = small_run(tmp_path, "ncsbe", voters=4_000, start=DAY, counties=("92",))
    assert sorted(item.path.name for item in result.files) == ["ncvhis92_2026-11-04.txt", "ncvoter92_2026-11-04.txt"]
    _, _, voters = records(tmp_path / "ncvoter92_2026-11-04.txt")
    _, _, history = records(tmp_path / "ncvhis92_2026-11-04.txt")
    assert len(voters) == 4_000  # --voters counts the extract's voters
    assert {(row["county_id"], row["county_desc"]) for row in voters} == {("92", "WAKE")}
    assert {(row["county_id"], row["county_desc"]) for row in history} == {("92", "WAKE")}
    assert {row["ncid"] for row in history} <= {row["ncid"] for row in voters}
    facts = facts_of(tmp_path / "ncvoter92_2026-11-04.txt")
    assert facts["coverage"] == {
        "state": "NC", "counties": ["Wake"], "counties_in_state": 100, "complete": False, "county_ids": [92],
    }  # fmt: skip
    assert facts["history_file"] == "ncvhis92_2026-11-04.txt"
    assert facts_of(tmp_path / "ncvhis92_2026-11-04.txt")["voters_file"] == "ncvoter92_2026-11-04.txt"
    assert manifest_rows(tmp_path / "ncvoter92_2026-11-04.txt") == []  # no defect asked: an empty manifest


def test_a_few_counties_make_one_pair_of_files_each_with_realistic_traits(tmp_path):
    small_run(tmp_path, "ncsbe", voters=6_000, start=DAY, counties=("Durham", "new hanover"), defects="realistic")
    names = sorted(path.name for path in tmp_path.glob("*.txt"))
    assert names == [f"{kind}{county}_2026-11-04.txt" for kind in ("ncvhis", "ncvoter") for county in (32, 65)]
    total = 0
    for county, name in ((32, "DURHAM"), (65, "NEW HANOVER")):
        path = tmp_path / f"ncvoter{county}_2026-11-04.txt"
        _, _, voters = records(path)
        assert {row["county_desc"] for row in voters} == {name}
        removed = sum(row["status_cd"] == "R" for row in voters)
        assert 0.07 < removed / len(voters) < 0.11
        total += len(voters) - removed - sum(row["status_cd"] == "D" for row in voters)
        assert facts_of(path)["coverage"]["county_ids"] == [county]
    assert total == 6_000  # the registered voters of the two counties


def test_a_canonical_county_extract_holds_those_counties_only(tmp_path):
    small_run(tmp_path, "canonical", voters=3_000, start=DAY, states=("PA",), counties=("Philadelphia", "Erie"))
    _, _, voters = records(tmp_path / "voters_PA_2026-11-04.csv")
    assert {row["county"] for row in voters} == {"Philadelphia", "Erie"}
    assert len(voters) == 3_000
    coverage = facts_of(tmp_path / "voters_PA_2026-11-04.csv")["coverage"]
    assert coverage["counties"] == ["Erie", "Philadelphia"] and coverage["complete"] is False
    assert coverage["counties_in_state"] == len(reference.states()["PA"].counties) == 67


def test_moves_stay_inside_the_extract_over_days(tmp_path):
    from voter_platform.generate.config import ChurnRates

    small_run(tmp_path, "canonical", voters=3_000, start=DAY, days=3, states=("NC",), counties=("Wake", "Durham"),
              churn=ChurnRates(moved=0.01, new=0.01))  # fmt: skip
    for day in ("2026-11-04", "2026-11-05", "2026-11-06"):
        _, _, voters = records(tmp_path / f"voters_NC_{day}.csv")
        assert {row["county"] for row in voters} == {"Wake", "Durham"}


def test_statewide_facts_say_the_file_covers_the_whole_state(tmp_path):
    small_run(tmp_path, "ncsbe", voters=2_000, start=DAY, defects="light")
    coverage = facts_of(tmp_path / "ncvoter_Statewide_2026-11-04.txt")["coverage"]
    assert coverage["complete"] is True and len(coverage["county_ids"]) == 100 and 100 in coverage["county_ids"]


@pytest.mark.parametrize("file_format", ["canonical", "ncsbe", "ncsbe_vr_snapshot"])
def test_a_voters_file_dropped_without_its_history(tmp_path, file_format):
    result = small_run(tmp_path, file_format, voters=1_500, start=DAY, history=False,
                       states=("NC",) if file_format == "canonical" else None)  # fmt: skip
    names = [item.path.name for item in result.files]
    assert len(names) == 1 and not any("his" in name for name in names), names
    assert facts_of(result.files[0].path)["history_file"] is None
    assert sorted(path.name for path in tmp_path.iterdir() if path.is_file()) == names


def test_undated_names_are_the_boards_own(tmp_path):
    result = small_run(tmp_path, "ncsbe", voters=800, start=DAY, counties=("92",), undated_names=True)
    assert sorted(item.path.name for item in result.files) == ["ncvhis92.txt", "ncvoter92.txt"]
    result = small_run(tmp_path / "state", "ncsbe", voters=800, start=DAY, undated_names=True, history=False)
    assert [item.path.name for item in result.files] == ["ncvoter_Statewide.txt"]


def test_options_that_do_not_fit_say_why(tmp_path):
    def config(**options):
        base = dict(voters=10, start=DAY, days=1, format="canonical", out=tmp_path, seed=1)
        return GenerateConfig(**{**base, **options})

    with pytest.raises(ConfigError, match="no county column"):
        config(format="goodparty", counties=("Wake",))
    with pytest.raises(ConfigError, match="statewide only"):
        config(format="ncsbe_vr_snapshot", counties=("Wake",))
    with pytest.raises(ConfigError, match="--states"):
        config(counties=("Wake",))
    with pytest.raises(ConfigError, match=r"unknown county 'Narnia' in NC.*92 = Wake"):
        config(format="ncsbe", counties=("Narnia",))
    with pytest.raises(ConfigError, match="unknown county '101'"):
        config(format="ncsbe", counties=("101",))
    with pytest.raises(ConfigError, match="--days 1"):
        config(days=2, undated_names=True)
    with pytest.raises(ConfigError, match="--no-bom"):
        config(bom=False)
    with pytest.raises(ConfigError, match="ncsbe_vr_snapshot writes North Carolina"):
        config(format="ncsbe_vr_snapshot", states=("PA",))


def test_cli_options_for_extracts_and_drops(tmp_path, capsys):
    code = main(["generate", "--voters", "300", "--start", "2026-11-04", "--format", "ncsbe", "--counties", "92",
                 "--no-history", "--undated-names", "--defects", "realistic", "--out", str(tmp_path)])  # fmt: skip
    assert code == 0
    assert sorted(path.name for path in tmp_path.glob("*.txt")) == ["ncvoter92.txt"]
    code = main(["generate", "--voters", "300", "--start", "2026-11-04", "--format", "ncsbe_vr_snapshot", "--no-bom",
                 "--out", str(tmp_path / "vr")])  # fmt: skip
    assert code == 0 and not (tmp_path / "vr" / "VR_Snapshot_20261104.txt").read_bytes().startswith(b"\xff\xfe")
    assert main(["generate", "--voters", "10", "--start", "2026-11-04", "--format", "goodparty", "--counties",
                 "Wake", "--out", str(tmp_path / "x")]) == 2  # fmt: skip
    assert "--counties" in capsys.readouterr().err
