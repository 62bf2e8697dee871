"""The defect manifest is the truth, line by line: every listed line carries its defect, no other line has one."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter
from datetime import date

import pytest

from voter_platform.generate import formats, reference
from voter_platform.generate.config import DEFECT_KINDS, DefectRates
from voter_platform.generate.formats import Layout
from voter_platform_tests.test_generate.conftest import ELECTION_EVE, small_run

AS_OF = ELECTION_EVE
EMAIL = re.compile(r"^[A-Za-z0-9._'+-]+@[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+$")
STATE_NAMES = {state.name for state in reference.states().values()}
RATE = 0.01  # per kind and line: about 10% of lines defective, a few dozen of each kind per file


@pytest.fixture(scope="module")
def defective_runs(tmp_path_factory):
    runs = {}
    for format_name in ("canonical", "goodparty", "ncsbe"):
        out = tmp_path_factory.mktemp(f"defects_{format_name}")
        result = small_run(
            out,
            format_name,
            voters=6_000,
            defects=str(RATE),
            states=("NC", "CA") if format_name == "canonical" else None,
            chunk_size=1_000,  # several chunks per file: line numbers must run on across chunk boundaries
        )
        runs[format_name] = result
    return runs


LAYOUT_OF = {
    "voters_": formats.CANONICAL_VOTERS,
    "vote_history_": formats.CANONICAL_HISTORY,
    "goodparty_voters_": formats.GOODPARTY_VOTERS,
    "ncvoter_": formats.NCVOTER,
    "ncvhis_": formats.NCVHIS,
}


def _layout(name: str) -> Layout:
    return next(layout for prefix, layout in LAYOUT_OF.items() if name.startswith(prefix))


def _read_manifest(path):
    with path.open(newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    return {int(row["line_number"]): row for row in rows}, [row["file_name"] for row in rows]


def _fields(layout: Layout, line: bytes) -> list[str]:
    text = line.decode(layout.encoding)
    values = text.split(layout.delimiter)
    return [value[1:-1] if layout.quote_all and len(value) >= 2 and value[0] == '"' else value for value in values]


def _value(layout: Layout, fields: list[str], column: str) -> str:
    return fields[layout.index(column)]


def _date_problem(value: str, style: str) -> bool:
    """True when a date does not exist or lies after the snapshot."""
    try:
        if style == "iso":
            parsed = date.fromisoformat(value)
        else:
            month, day, year = value.split("/")
            parsed = date(int(year), int(month), int(day))
    except ValueError:
        return True
    return parsed >= AS_OF


def _age_problem(layout: Layout, fields: list[str]) -> bool:
    if layout.age_style == "birth_date":
        birth = date.fromisoformat(_value(layout, fields, "birth_date"))
        age = AS_OF.year - birth.year - ((AS_OF.month, AS_OF.day) < (birth.month, birth.day))
    elif layout.age_style == "age":
        age = int(_value(layout, fields, "age"))
    else:
        age = int(_value(layout, fields, "age_at_year_end"))
    return not 18 <= age <= 120


def _record_lines(layout: Layout, lines: list[bytes], number: int) -> int:
    """How many physical lines the record starting on line `number` takes: one, unless a quoted value
    holds a line break (the quote is still open at the end of the line)."""
    count = 1
    while layout.quote and b"".join(lines[number - 1 : number - 1 + count]).count(layout.quote.encode()) % 2:
        count += 1
    return count


def _line_break_in(layout: Layout, detail: str, record: bytes) -> bool:
    """A record over several lines: it parses (RFC 4180) into the layout's fields, and only the value of
    `detail` holds the line break, in place of a space (the value read back with a space is clean)."""
    (fields,) = csv.reader(io.StringIO(record.decode(layout.encoding), newline=""), delimiter=layout.delimiter)
    breaks = [name for name, value in zip(layout.columns, fields, strict=True) if "\n" in value]
    if len(fields) != len(layout.columns) or breaks != [detail]:
        return False
    value = fields[layout.index(detail)].replace("\r\n", "\n")
    # One break, between two words (it took a space's place).
    return value.count("\n") == 1 and not value.startswith("\n") and not value.endswith("\n")


def _carries(defect: str, detail: str, layout: Layout, line: bytes, lines: list[bytes]) -> bool:
    """Does this line really show `defect`?"""
    width = len(layout.columns)
    if defect == "non_utf8":
        try:
            line.decode("utf-8")
        except UnicodeDecodeError:
            return len(_fields(Layout(**{**layout.__dict__, "encoding": "latin-1"}), line)) == width
        return False
    fields = _fields(layout, line)
    if defect == "glued_lines":
        return len(fields) == 2 * width - 1
    if defect == "repeated_header":
        return line.rstrip(b"\n") == layout.header().rstrip(b"\n")
    if defect == "trailing_empty_columns":
        return len(fields) == width + int(detail) and all(value == "" for value in fields[width:])
    if len(fields) != width:
        return False
    if defect == "blank_field":
        return _value(layout, fields, detail) == ""
    if defect == "state_name":
        return _value(layout, fields, layout.state_column) in STATE_NAMES
    if defect == "malformed_email":
        return not EMAIL.match(_value(layout, fields, layout.email_column))
    if defect == "impossible_age":
        return _age_problem(layout, fields)
    if defect == "impossible_date":
        style = dict(layout.date_columns)[detail]
        return _date_problem(_value(layout, fields, detail), style)
    other = lines[int(detail) - 1]
    if defect == "exact_duplicate":
        return line == other and int(detail) < lines.index(line, int(detail)) + 1
    if defect == "conflicting_duplicate":
        mine, theirs = fields, _fields(layout, other)
        same_id = _value(layout, mine, layout.id_column) == _value(layout, theirs, layout.id_column)
        if layout.updated_column:
            older = _value(layout, mine, layout.updated_column) != _value(layout, theirs, layout.updated_column)
        else:
            older = lines.index(line) < int(detail) - 1  # no timestamp: the stale copy comes first
        return same_id and line != other and older
    raise AssertionError(f"unknown defect {defect}")


def _clean(layout: Layout, line: bytes) -> bool:
    """A line without any defect: right width, right encoding, every checked value plausible."""
    try:
        fields = _fields(layout, line)
        line.decode("utf-8") if layout.encoding == "utf-8" else None
    except UnicodeDecodeError:
        return False
    if len(fields) != len(layout.columns) or line.rstrip(b"\n") == layout.header().rstrip(b"\n"):
        return False
    for column in layout.required_columns:
        if not _value(layout, fields, column):
            return False
    if layout.state_column and _value(layout, fields, layout.state_column) not in reference.states():
        return False
    email = _value(layout, fields, layout.email_column) if layout.email_column else None
    if email and not EMAIL.match(email):
        return False
    if layout.age_column and _age_problem(layout, fields):
        return False
    for column, style in layout.date_columns:
        value = _value(layout, fields, column)
        if value and _date_problem(value, style):
            return False
    # Every goodparty value is filled except last_voted_date for never-voters.
    return not (
        layout is formats.GOODPARTY_VOTERS
        and any(value == "" for name, value in zip(layout.columns, fields, strict=True) if name != "last_voted_date")
    )


@pytest.mark.parametrize("format_name", ["canonical", "goodparty", "ncsbe"])
def test_manifest_matches_the_file_line_by_line(defective_runs, format_name):
    result = defective_runs[format_name]
    kinds_seen = Counter()
    for written in result.files:
        layout = _layout(written.path.name)
        lines = written.path.read_bytes().split(b"\n")[:-1]
        listed, names = _read_manifest(written.manifest)
        assert set(names) <= {written.path.name}
        assert lines[0] + b"\n" == layout.header()
        assert all(1 < number <= len(lines) for number in listed), "manifest lines point inside the file"
        continuation = set()  # the second line of a record over two
        for number, row in listed.items():
            assert row["defect"] in layout.defect_kinds
            record_lines = _record_lines(layout, lines, number)
            if row["defect"] == "quoted_line_break":
                record = b"\n".join(lines[number - 1 : number - 1 + record_lines])
                assert _line_break_in(layout, row["detail"], record), (written.path.name, row)
            else:
                assert _carries(row["defect"], row["detail"], layout, lines[number - 1], lines), (
                    written.path.name,
                    row,
                )
            kinds_seen[row["defect"]] += 1
            # One line break per record, and only where the manifest says.
            assert record_lines == (2 if row["defect"] == "quoted_line_break" else 1), (written.path.name, row)
            continuation |= set(range(number + 1, number + record_lines))
        ids = Counter()
        for number, line in enumerate(lines[1:], start=2):
            if number in listed or number in continuation:
                continue
            assert _clean(layout, line), (written.path.name, number, line[:200])
            if layout is not formats.CANONICAL_HISTORY and layout is not formats.NCVHIS:
                ids[_value(layout, _fields(layout, line), layout.id_column)] += 1
        # Apart from the listed duplicates, every voter appears once.
        assert not [voter for voter, count in ids.items() if count > 1]
    expected = set().union(*(_layout(written.path.name).defect_kinds for written in result.files))
    assert expected <= set(DEFECT_KINDS)
    assert set(kinds_seen) == expected, f"kinds never injected: {expected - set(kinds_seen)}"
    if format_name != "goodparty":  # no address, one-word names: nowhere to break a value
        assert "quoted_line_break" in kinds_seen


def test_clean_files_have_empty_manifests_only_when_asked(tmp_path):
    result = small_run(tmp_path / "none", "goodparty", voters=500)
    assert all(item.manifest is None and item.defects == 0 for item in result.files)
    assert not (tmp_path / "none" / "_manifest").exists()


def test_defect_rates_parse_profiles_single_rates_and_pairs():
    assert DefectRates.parse("light").rates["glued_lines"] == pytest.approx(0.0004)
    assert set(DefectRates.parse("0.02").rates.values()) == {0.02}
    pairs = DefectRates.parse("glued_lines=0.1,non_utf8=0.05").rates
    assert pairs["glued_lines"] == 0.1 and pairs["non_utf8"] == 0.05 and pairs["blank_field"] == 0
    with pytest.raises(ValueError, match="unknown defect"):
        DefectRates.parse("typo=0.1")
    with pytest.raises(ValueError, match="not a probability"):
        DefectRates.parse("1.5")


def test_lines_in_the_wrong_encoding_only_in_text_that_is_recognisably_utf8(tmp_path):
    """In otherwise pure-ASCII text, latin-1 bytes make a valid latin-1 file, not an encoding error:
    a `non_utf8` line is only listed where some untouched line keeps a multi-byte UTF-8 character."""
    files_with_the_defect = 0
    for seed in range(30):  # tiny files: a few of them draw no accented name at all
        written = small_run(tmp_path / str(seed), "goodparty", voters=60, seed=seed, defects="non_utf8=0.03").files[0]
        lines = written.path.read_bytes().split(b"\n")[:-1]
        listed = _read_manifest(written.manifest)[0] if written.manifest.exists() else {}
        others = [line for number, line in enumerate(lines, start=1) if number not in listed]
        for line in others:
            line.decode("utf-8")
        if listed:
            files_with_the_defect += 1
            assert any(not line.isascii() for line in others), seed
    assert files_with_the_defect >= 10
