"""A record cut short, then the next record or the header on the same line (the case-study file's corrupted
revision): the manifest names the cut record, and the complete record or the header that follows it."""

from __future__ import annotations

from collections import Counter

import pytest

from voter_platform_tests.test_generate.conftest import ELECTION_EVE, small_run
from voter_platform_tests.test_generate.files import fields_of, layout_of, lines_of, manifest_rows
from voter_platform_tests.test_generate.test_defects import _clean

CUTS = "truncated_then_record=0.01,truncated_then_header=0.004"


@pytest.fixture(scope="module")
def cut_files(tmp_path_factory):
    out = tmp_path_factory.mktemp("truncated")
    files = small_run(out / "goodparty", "goodparty", voters=10_000, defects=CUTS, chunk_size=900).files
    files += small_run(out / "canonical", "canonical", voters=10_000, defects=CUTS, states=("NC", "CA"),
                       chunk_size=900).files  # fmt: skip
    return [item.path for item in files]


def _parts_by_line(path) -> dict[int, list[tuple[str, str]]]:
    parts: dict[int, list[tuple[str, str]]] = {}
    for row in manifest_rows(path):
        parts.setdefault(int(row["line_number"]), []).append((row["defect"], row["detail"]))
    return parts


def test_each_truncated_line_is_a_cut_record_then_a_whole_record_or_the_header(cut_files):
    shapes = Counter()
    for path in cut_files:
        layout = layout_of(path)
        lines = lines_of(path)
        header, width = lines[0], len(layout.columns)
        every_id = Counter(fields_of(layout, line)[0] for line in lines[1:])
        for number, parts in _parts_by_line(path).items():
            line = lines[number - 1]
            (cut_kind, cut_id), (after_kind, after_id) = parts  # two parts, in this order
            assert cut_kind == "truncated_record" and line.startswith(cut_id + ","), (path.name, number)
            if after_kind == "header_after_truncated":
                assert after_id == "" and line.endswith(header)
                cut = line[: -len(header)]
            else:
                assert after_kind == "record_after_truncated"
                start = line.index(after_id, len(cut_id) + 1)
                cut, record = line[:start], line[start:]
                assert len(fields_of(layout, record)) == width and _clean(layout, record.encode())
            # Something of the record was lost, its id and at least one delimiter kept.
            assert 2 <= len(fields_of(layout, cut)) <= width and len(cut) > len(cut_id)
            shapes[(layout.name, after_kind)] += 1
            if layout.record_kind == "voters":
                # The cut record is lost from the file; the one after it appears only here.
                assert every_id[cut_id] == 1 and (after_id == "" or every_id[after_id] == 0)
    assert set(shapes) == {
        (layout, kind)
        for layout in ("goodparty", "canonical_voters", "canonical_vote_history")
        for kind in ("record_after_truncated", "header_after_truncated")
    }
    assert min(shapes.values()) >= 5, shapes


def test_every_other_line_of_a_file_with_truncated_lines_is_clean(cut_files):
    for path in cut_files:
        layout = layout_of(path)
        listed = _parts_by_line(path)
        for number, line in enumerate(lines_of(path)[1:], start=2):
            if number not in listed:
                assert _clean(layout, line.encode()), (path.name, number)


def test_cut_lines_are_still_valid_utf8_and_follow_the_layout_delimiter(cut_files):
    for path in cut_files:
        data = path.read_bytes()
        data.decode("utf-8")  # a cut never splits a multi-byte character
        assert b"\r" not in data


def test_the_realistic_profile_cuts_the_case_study_layout_but_not_the_boards(tmp_path):
    goodparty = small_run(tmp_path / "g", "goodparty", voters=30_000, defects="realistic").files[0].path
    assert {row["defect"] for row in manifest_rows(goodparty)} >= {"truncated_record"}
    nc = small_run(tmp_path / "n", "ncsbe", voters=30_000, defects="realistic,truncated_then_record=0.01")
    assert all("truncated_record" not in {row["defect"] for row in manifest_rows(item.path)} for item in nc.files)
    assert ELECTION_EVE.isoformat() in goodparty.name
