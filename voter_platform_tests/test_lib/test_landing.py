"""Which partition a landing file belongs to, and when it counts as new."""

import os
from datetime import date

import pytest

from voter_platform.lib.landing import as_of_date_from_name, describe, scan_landing


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("voters_NC_2026-11-20.csv", date(2026, 11, 20)),
        ("vote_history_PA_2026_11_03.csv", date(2026, 11, 3)),
        ("VR_Snapshot_20210215.txt", date(2021, 2, 15)),
        ("goodparty_voters.csv", None),
        ("ncvoter32.txt", None),
        ("export_2026-13-45.csv", None),  # not a date
        ("batch_120261120999.csv", None),  # digits glued on both sides are not a date
    ],
)
def test_as_of_date_comes_from_the_file_name(name, expected):
    assert as_of_date_from_name(name) == expected


def test_a_file_without_a_date_belongs_to_the_day_it_landed(tmp_path):
    path = tmp_path / "goodparty_voters.csv"
    path.write_text("id\n")
    landed = 1_795_000_000  # 2026-11-18 UTC
    os.utime(path, (landed, landed))
    landing_file = describe(path)
    assert (landing_file.partition_key, landing_file.date_source) == ("2026-11-18", "modification time")


def test_run_key_changes_when_a_file_is_corrected_but_not_when_untouched(tmp_path):
    path = tmp_path / "voters_NC_2026-11-20.csv"
    path.write_text("voter_id\n1\n")
    first = describe(path).run_key
    assert describe(path).run_key == first
    path.write_text("voter_id\n1\n2\n")
    os.utime(path, (1_900_000_000, 1_900_000_000))
    assert describe(path).run_key != first


def test_scan_skips_temporary_hidden_and_manifest_entries(tmp_path):
    for name in [
        "voters_NC_2026-11-02.csv",
        "goodparty_voters.csv",
        ".voters_NC_2026-11-03.csv.tmp",
        "_notes.txt",
        "x.part",
    ]:
        (tmp_path / name).write_text("header\n")
    (tmp_path / "_manifest").mkdir()
    (tmp_path / "_manifest" / "voters_NC_2026-11-02.csv.defects.csv").write_text("file_name\n")
    names = [landing_file.name for landing_file in scan_landing(tmp_path)]
    assert sorted(names) == ["goodparty_voters.csv", "voters_NC_2026-11-02.csv"]


def test_scan_of_a_missing_folder_is_empty(tmp_path):
    assert scan_landing(tmp_path / "nope") == []
