"""Whole runs: determinism, churn between snapshots, atomic writes, the CLI and the demo seed."""

from __future__ import annotations

import csv
import hashlib
import json
from datetime import date

import pytest

from voter_platform.cli import main
from voter_platform.demo import GOODPARTY_SAMPLE
from voter_platform.generate import formats
from voter_platform.generate.config import ChurnRates, ConfigError, GenerateConfig
from voter_platform.lib.landing import scan_landing
from voter_platform.settings import DataPaths
from voter_platform_tests.test_generate.conftest import small_run


def _digests(folder) -> dict[str, str]:
    return {
        str(path.relative_to(folder)): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }


@pytest.mark.parametrize(
    "format_name, defects",
    [(file_format, defects) for defects in ("heavy", "realistic")
     for file_format in ("canonical", "goodparty", "ncsbe", "ncsbe_vr_snapshot")],
)  # fmt: skip
def test_same_seed_same_bytes_other_seed_other_bytes(tmp_path, format_name, defects):
    options = dict(voters=2_000, days=2, defects=defects, states=("NC", "WY") if format_name == "canonical" else None)
    first = _digests(small_run(tmp_path / "a", format_name, seed=7, **options).files[0].path.parent)
    again = _digests(small_run(tmp_path / "b", format_name, seed=7, **options).files[0].path.parent)
    other = _digests(small_run(tmp_path / "c", format_name, seed=8, **options).files[0].path.parent)
    assert first == again
    assert first.keys() == other.keys()
    # Only a manifest with no row (history files of the realistic profile) reads the same for any seed.
    empty_manifest = hashlib.sha256(b"file_name,line_number,defect,detail\n").hexdigest()
    assert all(first[name] != other[name] or first[name] == empty_manifest for name in first)
    assert sum(first[name] != other[name] for name in first) >= len(first) * 2 / 3


def _roll(path) -> dict[str, dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["voter_id"]: row for row in csv.DictReader(handle)}


def test_churn_between_two_snapshots_is_near_the_configured_rates(tmp_path):
    rates = ChurnRates(new=0.01, removed=0.008, moved=0.006, party_switch=0.004, name_change=0.003)
    voters = 40_000
    small_run(
        tmp_path, "canonical", voters=voters, days=2, states=("NC", "PA", "FL"), churn=rates, start=date(2026, 6, 1)
    )
    before, after = {}, {}
    for state in ("NC", "PA", "FL"):
        before |= _roll(tmp_path / f"voters_{state}_2026-06-01.csv")
        after |= _roll(tmp_path / f"voters_{state}_2026-06-02.csv")
    new = after.keys() - before.keys()
    removed = before.keys() - after.keys()
    stayed = before.keys() & after.keys()
    moved = sum(before[key]["county"] != after[key]["county"] for key in stayed)
    switched = sum(before[key]["party"] != after[key]["party"] for key in stayed)
    renamed = sum(before[key]["last_name"] != after[key]["last_name"] for key in stayed)
    # Expected counts with a 5-sigma binomial margin (moves lose the rare redraw into the same county).
    for observed, expected in (
        (len(new), rates.new * voters),
        (len(removed), rates.removed * voters),
        (moved, rates.moved * voters * 0.97),
        (switched, rates.party_switch * voters),
        (renamed, rates.name_change * voters),
    ):
        assert abs(observed - expected) <= 5 * expected**0.5 + 2, (observed, expected)
    # A change is dated the day before the snapshot that shows it.
    changed = [key for key in stayed if before[key]["updated_at"] != after[key]["updated_at"]]
    assert changed and all(after[key]["updated_at"].startswith("2026-06-01") for key in changed)
    assert all(after[key]["registered_date"] == "2026-06-01" for key in new)
    oldest_new = min(int(key[2:]) for key in new)
    assert oldest_new > max(int(key[2:]) for key in before)  # ids keep growing


def test_files_appear_complete_or_not_at_all(tmp_path, monkeypatch):
    result = small_run(tmp_path / "ok", "canonical", voters=3_000, defects="light", states=("NC",), chunk_size=500)
    names = {path.name for path in (tmp_path / "ok").rglob("*")}
    assert not [name for name in names if name.startswith(".") or name.endswith(".tmp")]
    assert all(item.manifest.exists() for item in result.files)

    calls = {"count": 0}
    real = formats.canonical_history

    def failing(chunk, state, snapshot):
        calls["count"] += 1
        if calls["count"] == 3:
            raise RuntimeError("disk full")
        return real(chunk, state, snapshot)

    monkeypatch.setattr(formats, "canonical_history", failing)
    with pytest.raises(RuntimeError, match="disk full"):
        small_run(tmp_path / "broken", "canonical", voters=3_000, defects="light", states=("NC",), chunk_size=500)
    left = [path.name for path in (tmp_path / "broken").rglob("*") if path.is_file()]
    assert left == []  # no partial file under any name, temporary or final


def test_configuration_errors_name_the_option(tmp_path):
    with pytest.raises(ConfigError, match="--states"):
        GenerateConfig(
            voters=10, start=date(2026, 1, 1), days=1, format="canonical", out=tmp_path, seed=1, states=("ZZ",)
        )
    with pytest.raises(ConfigError, match="ncsbe"):
        GenerateConfig(voters=10, start=date(2026, 1, 1), days=1, format="ncsbe", out=tmp_path, seed=1, states=("PA",))
    with pytest.raises(ConfigError, match="--churn: unknown kind"):
        ChurnRates.parse("births=0.1")
    assert ChurnRates.parse("new=0.001,party-switch=0.0002") == ChurnRates(new=0.001, party_switch=0.0002)


def test_cli_help_says_what_it_does(capsys):
    with pytest.raises(SystemExit) as exit_info:
        main(["generate", "--help"])
    assert exit_info.value.code == 0
    text = capsys.readouterr().out
    for words in ("--voters", "--format", "--defects", "--churn", "same seed", "_manifest", "voters/s", "peak memory"):
        assert words in text


def test_cli_writes_files_and_reports_speed_and_memory(tmp_path, capsys):
    code = main(
        [
            "generate",
            "--voters",
            "2000",
            "--start",
            "2026-11-02",
            "--days",
            "2",
            "--format",
            "goodparty",
            "--out",
            str(tmp_path),
            "--seed",
            "3",
            "--defects",
            "light",
        ]
    )
    assert code == 0
    out = capsys.readouterr().out
    assert "voters/s" in out and "peak memory" in out and "MB" in out
    assert sorted(path.name for path in tmp_path.glob("*.csv")) == [
        "goodparty_voters_2026-11-02.csv",
        "goodparty_voters_2026-11-03.csv",
    ]
    assert (
        main(["generate", "--voters", "10", "--start", "2026-11-02", "--out", str(tmp_path), "--states", "NC,XX"]) == 2
    )
    assert "XX" in capsys.readouterr().err


def test_demo_seed_writes_three_days_spanning_the_election_plus_the_case_study_file(tmp_path, monkeypatch):
    import voter_platform.demo as demo

    monkeypatch.setattr(demo, "DEMO_VOTERS", 5_000)  # the real demo is 100,000 voters; same code path
    monkeypatch.setattr(demo, "DEMO_COUNTY_VOTERS", 1_000)
    monkeypatch.setattr(demo, "DEMO_STATE_FILE_VOTERS", 1_000)
    paths = DataPaths(tmp_path)
    paths.landing.mkdir(parents=True)
    written = demo.seed_demo_data(paths)
    assert (paths.landing / "goodparty_voters.csv").read_bytes() == GOODPARTY_SAMPLE.read_bytes()
    partitions = {item.partition_key for item in scan_landing(paths.landing) if item.name != "goodparty_voters.csv"}
    assert partitions == {"2026-11-02", "2026-11-03", "2026-11-04"}
    # 50 states + DC in the canonical layout but North Carolina, which comes as a Wake County extract, and
    # Ohio, which comes as its Statewide Voter File (four gzipped parts landed on the last day).
    assert len(written) == 49 * 2 * 3 + 2 * 3 + 4 + 1 == len(scan_landing(paths.landing))
    assert not list(paths.landing.glob("voters_NC_*")) and not list(paths.landing.glob("voters_OH_*"))
    ohio = {item.name: item.partition_key for item in scan_landing(paths.landing) if item.name.startswith("SWVF")}
    assert ohio == {f"SWVF_{parts}.txt.gz": "2026-11-04" for parts in ("1_22", "23_44", "45_66", "67_88")}
    assert sorted(path.name for path in paths.landing.glob("nc*")) == [
        f"{kind}92_2026-11-0{day}.txt" for kind in ("ncvhis", "ncvoter") for day in (2, 3, 4)
    ]
    facts = json.loads((paths.landing / "_manifest" / "ncvoter92_2026-11-04.txt.facts.json").read_text())
    assert facts["coverage"]["complete"] is False and facts["coverage"]["county_ids"] == [92]
    assert facts["records_by_status"]["REMOVED"] > 50  # shaped like a real county file
    assert (paths.landing / "_manifest").is_dir()  # manifests live where the landing scan does not look
    assert demo.seed_demo_data(paths) == []  # not seeded twice
