"""The state layouts as the generator writes them: named by their file templates, fields in the layout's
order, the state's own codes, dates and widths, the history shape the layout declares. (That every one of
them loads as its truth says is test_ingest/test_state_files.py.)"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import re
from datetime import date, datetime
from pathlib import Path

import pytest

from voter_platform.cli import main
from voter_platform.generate.config import ConfigError, DefectRates, GenerateConfig, state_formats
from voter_platform.generate.reference import general_elections
from voter_platform.generate.run import generate
from voter_platform.generate.state_elections import file_elections
from voter_platform.generate.state_files import election_text, file_name
from voter_platform.layouts.registry import ElectionColumns, HistoryFile, HistoryString, Slots, layout, layouts
from voter_platform.lib.elections import read_election
from voter_platform.lib.ingest.formats import detect_layout
from voter_platform.lib.ingest.parts import missing_parts, part_of

AS_OF = date(2026, 11, 20)
ALL_GENERALS = list(range(len([election for election in general_elections() if election.day < AS_OF])))


def state_run(tmp_path: Path, layout_id: str, voters: int = 600, **options) -> Path:
    out = tmp_path / layout_id
    generate(GenerateConfig(voters=voters, start=AS_OF, days=1, format=layout_id, out=out, seed=3, **options))
    return out


def lines(path: Path, encoding: str = "latin-1") -> list[str]:
    return path.read_bytes().decode(encoding).splitlines()


def split(line: str, delimiter: str) -> list[str]:
    return next(csv.reader(io.StringIO(line), delimiter=delimiter))


# --- the registry's templates -----------------------------------------------------------------------


def _example_part(spec) -> str | None:
    parts = spec.parts
    if parts is None:
        return None
    if parts.expected == "county_codes":
        return next(iter(spec.codes_as_written("county")))
    return "1" if parts.expected == "numbers" else parts.expected[0]


@pytest.mark.parametrize("layout_id", sorted(layouts()))
def test_every_layout_names_its_files_so_they_are_read_back_as_its_files(layout_id):
    spec = layout(layout_id)
    part = _example_part(spec)
    name = file_name(spec, AS_OF, part, state="NC")
    if spec.parts is not None:
        found = re.search(spec.parts.file_name, name, re.IGNORECASE)
        assert found and found["part"].upper() == part.upper(), name
    if spec.recognise.file_name:
        assert re.search(spec.recognise.file_name, name, re.IGNORECASE), name
    if spec.archive_template:
        assert spec.archive_template.format(date=AS_OF, state=spec.state).endswith(".zip")


def _election_texts():
    for spec in layouts().values():
        history = spec.history
        if isinstance(history, ElectionColumns):
            yield spec.id, history.columns
        elif isinstance(history, HistoryString):
            yield spec.id, history.items
        elif isinstance(history, Slots):
            for group in history.groups:
                if group.election is not None:
                    yield spec.id, group.election


# Which elections of a state file each history text can name exactly (the others are not written).
NAMED_TYPES = {
    "oh_swvf": {"GENERAL", "PRIMARY", "SPECIAL"},
    "az_voter_list": {"GENERAL", "PRIMARY"},  # no SPECIAL in its header grammar
    "ny_voter_list": {"GENERAL", "PRIMARY", "SPECIAL"},
    "ny_voter_list_2014": {"GENERAL", "PRIMARY", "SPECIAL"},
    "ut_voter_list": {"GENERAL", "PRIMARY", "SPECIAL"},  # dates only: a primary reads back as OTHER
    "wi_voter_list": {"GENERAL", "PRIMARY", "SPECIAL"},  # month and year: the day by the election-day rule
    "wi_voter_list_csv": {"GENERAL", "PRIMARY", "SPECIAL"},
    "vt_checklist": {"GENERAL"},  # statewide generals only
    "de_voter_reg": {"GENERAL"},  # a label ending in the year reads as that year's general
}


@pytest.mark.parametrize(
    ("layout_id", "spec"), list(_election_texts()), ids=[layout_id for layout_id, _ in _election_texts()]
)
def test_every_election_template_round_trips_through_read_election(layout_id, spec):
    elections = file_elections(AS_OF, ALL_GENERALS, off_calendar_turnout=0.1)
    named = {}
    for election in elections:
        text = election_text(election, spec)
        if text is None:
            continue
        back = read_election(text, spec)
        assert back is not None and back.date == election.day, text
        named.setdefault(election.type, []).append(text)
    assert set(named) == NAMED_TYPES[layout_id]
    generals = [election for election in elections if election.general is not None]
    assert len(named["GENERAL"]) >= len(generals)


# --- what the files hold ----------------------------------------------------------------------------


def test_ohio_header_is_the_layouts_then_one_column_per_election_and_every_value_quoted(tmp_path):
    out = state_run(tmp_path, "oh_swvf")
    spec = layout("oh_swvf")
    assert sorted(path.name for path in out.iterdir() if path.is_file()) == [
        "SWVF_1_22.txt",
        "SWVF_23_44.txt",
        "SWVF_45_66.txt",
        "SWVF_67_88.txt",
    ]
    text = lines(out / "SWVF_1_22.txt")
    header = split(text[0], ",")
    fixed = [source.name for source in spec.fields]
    assert header[: len(fixed)] == fixed
    elections = header[len(fixed) :]
    assert (
        elections[:2] == ["PRIMARY-06/03/2008", "GENERAL-11/04/2008"]
        and "PRIMARY-06/07/2022" in elections
        and "SPECIAL-08/08/2023" in elections
    )
    assert all(re.fullmatch(r"(PRIMARY|GENERAL|SPECIAL)-\d{2}/\d{2}/\d{4}", name) for name in elections)
    for line in text[1:]:
        assert line.startswith('"') and line.endswith('"') and line.count('","') == len(header) - 1
        values = split(line, ",")
        assert len(values) == len(header)
        record = dict(zip(header, values, strict=True))
        assert int(record["COUNTY_NUMBER"]) in range(1, 23)  # the county-number range of the part
        assert record["VOTER_STATUS"] in ("ACTIVE", "CONFIRMATION")
        datetime.strptime(record["DATE_OF_BIRTH"], "%Y-%m-%d")
        cells = {record[name] for name in elections}
        assert cells <= {"", "X", "D", "R", "L", "G"}
        primaries = [
            name
            for name in elections
            if name.startswith("PRIMARY-") and name[-4:] >= "2024" and record[name] in "DRLG" and record[name]
        ]
        # Ohio's party: the ballot of the latest partisan primary of the current and two previous years.
        assert record["PARTY_AFFILIATION"] == (record[primaries[-1]] if primaries else "")


def test_headerless_county_files_keep_leading_zeros_and_the_states_codes(tmp_path):
    out = state_run(tmp_path, "fl_voter_extract", counties=("Alachua", "Baker"))
    spec = layout("fl_voter_extract")
    names = sorted(path.name for path in out.iterdir() if path.is_file())
    assert names == ["ALA_20261120.txt", "ALA_H_20261120.txt", "BAK_20261120.txt", "BAK_H_20261120.txt"]
    for name in names[0::2]:
        for line in lines(out / name):
            values = line.split("\t")
            assert len(values) == len(spec.fields) == 38
            record = dict(zip((source.name for source in spec.fields), values, strict=True))
            assert record["County Code"] == name[:3] and re.fullmatch(r"\d{10}", record["Voter ID"])
            assert re.fullmatch(r"\d{5}", record["Residence Zipcode"])
            assert record["Party Affiliation"] in spec.codes["party"] and record["Race"] in spec.codes["race"]
            assert record["Voter Status"] in ("ACT", "INA") and record["Gender"] in ("F", "M", "U")
            datetime.strptime(record["Birth Date"], "%m/%d/%Y")
    history = [line.split("\t") for line in lines(out / "ALA_H_20261120.txt")]
    assert {row[3] for row in history} <= set(layout("fl_voter_history").codes["election_type"])
    assert {row[4] for row in history} <= set(layout("fl_voter_history").codes["voting_method"])
    oklahoma = state_run(tmp_path, "ok_vr", counties=("Adair",))
    assert sorted(path.name for path in oklahoma.iterdir() if path.is_file()) == ["CTY01_vh.csv", "CTY01_vr.csv"]


def test_fixed_width_records_are_cut_at_the_layouts_positions(tmp_path):
    out = state_run(tmp_path, "tx_team_voters_686", counties=("Travis",))
    spec, history_spec = layout("tx_team_voters_686"), layout("tx_team_history_686")
    assert sorted(path.name for path in out.iterdir() if path.is_file()) == [
        "VH_227_20261120.txt",
        "VR_227_20261120.txt",
    ]
    for path, layout_spec in ((out / "VR_227_20261120.txt", spec), (out / "VH_227_20261120.txt", history_spec)):
        records = lines(path)
        assert {len(record) for record in records} == {685}
        assert detect_layout(records[0], path.name).spec.id == layout_spec.id
        for record in records:
            field = {
                source.name: record[source.start - 1 : source.start - 1 + source.width] for source in layout_spec.fields
            }
            assert field["County_Code"] == "227" and re.fullmatch(r"\d{10}", field["VUID"])
            datetime.strptime(field["Date_of_Birth"], "%Y%m%d")
    voters = {record[13:23] for record in lines(out / "VR_227_20261120.txt")}
    assert {record[13:23] for record in lines(out / "VH_227_20261120.txt")} <= voters


def test_iowa_parts_carry_the_header_in_the_first_part_only(tmp_path):
    out = state_run(tmp_path, "ia_voter_list")
    parts = sorted(path for path in out.iterdir() if path.is_file())
    assert [path.name for path in parts] == [f"VoterDetails_ Part{n} 11-20-26-000000.csv" for n in range(1, 5)]
    first_lines = [lines(path)[0] for path in parts]
    header = split(first_lines[0], ",")
    assert header == [source.name for source in layout("ia_voter_list").fields]
    assert header.count("GENERAL_ELECTION_DATE") == 5 and header.count("CITY") == 3  # the raw, repeated names
    assert all(not line.startswith("REGN_NUM") and len(split(line, ",")) == len(header) for line in first_lines[1:])
    records = [dict(zip(range(len(header)), split(line, ","), strict=True)) for line in lines(parts[0])[1:]]
    dates = [header.index("GENERAL_ELECTION_DATE") + 2 * slot for slot in range(5)]
    for record in records:
        filled = [datetime.strptime(record[column], "%m/%d/%Y") for column in dates if record[column]]
        assert filled == sorted(filled, reverse=True)  # slot 1 the latest general voted


MULTI_PART_LAYOUTS = [layout_id for layout_id in state_formats() if layout(layout_id).parts is not None]


def _delivered_with(spec) -> list:
    """The layout and the multi-part layouts delivered with it (its history file, its election maps)."""
    history = spec.history
    companions = [getattr(history, "layout", None) if isinstance(history, HistoryFile) else None]
    companions.append(getattr(history, "lookup", None))
    return [spec, *(layout(item) for item in companions if item and layout(item).parts is not None)]


@pytest.mark.parametrize("layout_id", MULTI_PART_LAYOUTS)
def test_every_part_of_a_delivery_is_written_empty_where_no_record_falls(tmp_path, layout_id):
    """A state writes every county's (range's, number's) file: a part no record falls in is there, with
    its header line where the layout's parts carry one, else no byte; none of the parts is missing."""
    spec = layout(layout_id)
    out = state_run(tmp_path, layout_id, voters=200)
    written = [path for path in out.iterdir() if path.is_file()]
    voter_parts = None
    for delivered in _delivered_with(spec):
        files = [path for path in written if part_of(_AsFound(delivered), path.name) is not None]
        parts = [part_of(_AsFound(delivered), path.name) for path in files]
        assert missing_parts(_AsFound(delivered), parts) == [], delivered.id
        if voter_parts is None:
            voter_parts = sorted(parts)
        else:
            assert sorted(parts) == voter_parts, f"{delivered.id}: one part per part of the voters files"
        header_in_first_only = delivered.parts.header_in_first_only
        for path in files:
            text = path.read_bytes()
            if not text:
                assert not delivered.has_header or header_in_first_only, f"{path.name}: no header"
            elif len(lines(path)) == 1 and delivered.has_header:  # a header line only, or one record
                first = lines(path, delivered.text.encoding or "utf-8")[0]
                assert detect_layout(first, path.name).spec.id == delivered.id


class _AsFound:
    """A layout as the ingest's parts helpers take it (they read its spec only)."""

    def __init__(self, spec) -> None:
        self.spec = spec


def test_pennsylvania_slots_are_numbered_by_each_countys_election_map(tmp_path):
    out = state_run(tmp_path, "pa_fve", counties=("Adams", "Bucks"))
    names = sorted(path.name for path in out.iterdir() if path.is_file())
    assert names == [
        "ADAMS Election Map 20261120.txt",
        "ADAMS FVE 20261120.txt",
        "BUCKS Election Map 20261120.txt",
        "BUCKS FVE 20261120.txt",
    ]
    maps = {}
    for county in ("ADAMS", "BUCKS"):
        rows = [line.split("\t") for line in lines(out / f"{county} Election Map 20261120.txt")]
        assert {row[0] for row in rows} == {county} and [int(row[1]) for row in rows] == list(range(1, len(rows) + 1))
        maps[county] = {row[3]: int(row[1]) for row in rows}
    assert (
        maps["ADAMS"].keys() == maps["BUCKS"].keys() and maps["ADAMS"] != maps["BUCKS"]
    )  # same elections, other slots
    fields = [source.name for source in layout("pa_fve").fields]
    slot_of = {name: int(name.split()[1]) for name in fields if name.endswith("Vote Method")}
    for line in lines(out / "BUCKS FVE 20261120.txt"):
        record = dict(zip(fields, (value.strip('"') for value in line.split("\t")), strict=True))
        assert len(record) == 154 and record["County"] == "BUCKS"
        voted = {slot_of[name] for name in slot_of if record[name]}
        assert voted <= set(maps["BUCKS"].values())
        assert all(record[name] in ("", "AP", "AB", "P") for name in slot_of)


def test_legacy_michigan_history_comes_with_the_election_codes_it_names(tmp_path):
    out = state_run(tmp_path, "mi_qvf_voters_lst")
    names = sorted(path.name for path in out.iterdir() if path.is_file())
    assert names == ["electionscd.lst", "entire_state_h.lst", "entire_state_v.lst"]
    codes = {}
    for line in lines(out / "electionscd.lst"):
        assert len(line) == 71 and re.fullmatch(r"\d+ *", line[:13])
        codes[line[:13].strip()] = (datetime.strptime(line[13:21], "%m%d%Y").date(), line[21:].strip())
    elections = file_elections(AS_OF, ALL_GENERALS)
    assert sorted(codes.values()) == [(election.day, election.label) for election in elections]
    used = {line[25:38].strip() for line in lines(out / "entire_state_h.lst")}
    assert used and used <= codes.keys()


def test_a_history_string_lists_the_elections_voted(tmp_path):
    out = state_run(tmp_path, "ny_voter_list")
    (path,) = [path for path in out.iterdir() if path.is_file()]
    assert path.name == "AllNYSVoters_20261120.txt"
    spec = layout("ny_voter_list").history.items
    for line in lines(path):
        values = split(line, ",")
        assert len(values) == 47 and re.fullmatch(r"NY\d{10}", values[45])
        for item in filter(None, values[46].split(";")):
            election = read_election(item, spec)
            assert election is not None and item == f"{election.date:%m/%d/%Y} {election.type}"


def _records_over_two_lines(path: Path, encoding: str = "latin-1") -> dict[int, list[str]]:
    """First line -> fields (RFC 4180) of every record of the file that a line break inside quotes spreads
    over more than one physical line."""
    text = path.read_bytes().decode(encoding)
    delimiter = "\t" if "\t" in text.split("\n", 1)[0] else ","
    found, line = {}, 1
    for fields in csv.reader(io.StringIO(text, newline=""), delimiter=delimiter):
        breaks = sum(value.count("\n") for value in fields)
        if breaks:
            found[line] = fields
        line += 1 + breaks
    return found


@pytest.mark.parametrize("layout_id", ["pa_fve", "oh_swvf"])
def test_an_address_typed_with_a_line_break_is_one_quoted_record_where_the_manifest_says(tmp_path, layout_id):
    """`quoted_line_break`: a space of an address value becomes a line break (LF or CRLF) inside its quotes;
    the manifest lists the record's first line and its column; no other record spans lines."""
    out = state_run(
        tmp_path, layout_id, voters=3000, defects=DefectRates.parse("quoted_line_break=0.01"), counties=None
    )
    spec = layout(layout_id)
    columns = [source.name for source in spec.fields]
    address_fields = {source.name for canonical in ("street_address", "city") for source in spec.fields_for(canonical)}
    listed_total, endings = 0, set()
    for path in sorted(out.glob("*FVE*")) + sorted(out.glob("SWVF_*")):
        listed = {
            int(row["line_number"]): row["detail"]
            for row in csv.DictReader(io.StringIO((out / "_manifest" / f"{path.name}.defects.csv").read_text()))
        }
        spread = _records_over_two_lines(path)
        assert set(spread) == set(listed), path.name
        for line, fields in spread.items():
            (broken,) = [name for name, value in zip(columns, fields, strict=False) if "\n" in value]
            assert broken == listed[line] and broken in address_fields
            value = fields[columns.index(broken)]
            endings.add("crlf" if "\r\n" in value else "lf")
            assert value.replace("\r\n", "\n").count("\n") == 1
        facts = json.loads((out / "_manifest" / f"{path.name}.facts.json").read_text())
        assert facts["lines"] == path.read_bytes().count(b"\n")
        assert facts["manifest_rows"].get("quoted_line_break", 0) == len(listed)
        listed_total += len(listed)
    assert listed_total >= 10 and endings == {"lf", "crlf"}


@pytest.mark.parametrize("layout_id", ["fl_voter_extract", "wa_vrdb", "tx_team_voters_686"])
def test_no_line_break_in_a_layout_without_quotes(tmp_path, layout_id):
    """A tab file without a quote character (FL, WA) or a fixed-width one (TX) cannot hold a line break in a
    value: the kind is not among its defects, and asked for, it writes none."""
    out = state_run(tmp_path, layout_id, voters=600, defects=DefectRates.parse("quoted_line_break=0.05"))
    manifests = list((out / "_manifest").glob("*.defects.csv"))
    assert manifests
    assert not any("quoted_line_break" in path.read_text() for path in manifests)


def test_the_same_seed_writes_the_same_bytes(tmp_path):
    def digest(folder: Path) -> str:
        return hashlib.sha256(
            b"".join(path.name.encode() + path.read_bytes() for path in sorted(folder.rglob("*")) if path.is_file())
        ).hexdigest()

    options = {"counties": ("Adams", "Bucks"), "package": "zip", "defects": DefectRates.parse("state_quirks")}
    first = state_run(tmp_path / "a", "pa_fve", **options)
    second = state_run(tmp_path / "b", "pa_fve", **options)
    assert [path.name for path in first.iterdir() if path.is_file()] == ["pa_fve_20261120.zip"]
    assert digest(first) == digest(second)


def test_state_format_options_that_cannot_work_are_refused(tmp_path):
    with pytest.raises(ConfigError, match=r"SWVF_\{part\}\.txt.*--days 1"):
        GenerateConfig(voters=10, start=AS_OF, days=2, format="oh_swvf", out=tmp_path, seed=1)
    with pytest.raises(ConfigError, match="writes FL files"):
        GenerateConfig(voters=10, start=AS_OF, days=1, format="fl_voter_extract", out=tmp_path, seed=1, states=("GA",))
    with pytest.raises(ConfigError, match="packaging is for the state layouts"):
        GenerateConfig(voters=10, start=AS_OF, days=1, format="canonical", out=tmp_path, seed=1, package="zip")
    # The bespoke formats answer to their layout ids too.
    assert GenerateConfig(voters=10, start=AS_OF, days=1, format="nc_ncvoter", out=tmp_path, seed=1).format == "ncsbe"
    assert set(state_formats()) == {
        spec.id
        for spec in layouts().values()
        if spec.record_kind == "voter" and spec.state and spec.id not in ("nc_ncvoter", "nc_vr_snapshot")
    }


def test_the_command_line_writes_a_state_delivery(tmp_path, capsys):
    out = tmp_path / "oh"
    code = main(
        [
            "generate",
            "--voters",
            "400",
            "--start",
            "2026-11-20",
            "--format",
            "oh_swvf",
            "--package",
            "gz",
            "--out",
            str(out),
            "--seed",
            "2",
        ]
    )
    assert code == 0 and "400 voter records" in capsys.readouterr().out
    assert sorted(path.name for path in out.iterdir() if path.is_file()) == [
        "SWVF_1_22.txt.gz",
        "SWVF_23_44.txt.gz",
        "SWVF_45_66.txt.gz",
        "SWVF_67_88.txt.gz",
    ]
    assert not (out / ".packaging").exists() and (out / "_manifest" / "SWVF_1_22.txt.facts.json").exists()
