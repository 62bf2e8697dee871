"""The state layouts of the registry (data/layouts/states/): every state has its layouts, every layout
is recognised from a realistic first line as itself and nothing else, and what a layout declares
beyond its code tables (history types, cell meanings, constants) stays inside the vocabularies.

A header file's first line is its header (the fields in order); a headerless or fixed-width file's
first line is a record built from its fields with values that fit their patterns, under a realistic
file name.
"""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from voter_platform.layouts.registry import (
    ELECTION_MAP,
    HISTORY_COLUMNS,
    VOTE_HISTORY,
    VOTER,
    ElectionColumns,
    ElectionText,
    HistoryFile,
    HistoryString,
    Layout,
    Slots,
    SourceField,
    layouts,
)
from voter_platform.lib import vocabularies as vocab
from voter_platform.lib.ingest.formats import _match, detect_layout, formats

# Every state of data/layouts/states/ (README index).
STATES = (
    "OH",
    "FL",
    "PA",
    "NY",
    "MI",
    "GA",
    "TX",
    "CA",
    "WA",
    "CO",
    "AZ",
    "WI",
    "VA",
    "NJ",
    "MN",
    "OK",
    "VT",
    "UT",
    "DE",
    "OR",
    "NV",
    "IA",
)

# A realistic name for a file of each layout (headerless layouts are told apart by it).
FILE_NAMES = {
    "canonical_voters": "voters_NC_2026-11-20.csv",
    "canonical_vote_history": "vote_history_NC_2026-11-20.csv",
    "goodparty": "goodparty_voters.csv",
    "nc_ncvoter": "ncvoter_Statewide.txt",
    "nc_ncvhis": "ncvhis_Statewide.txt",
    "nc_vr_snapshot": "VR_Snapshot_20260101.txt",
    "fl_voter_extract": "ALA_20260430.txt",
    "fl_voter_history": "ALA_H_20260430.txt",
    "oh_swvf": "SWVF_1_22.txt",
    "pa_fve": "ADAMS FVE 20240617.txt",
    "pa_fve_2013": "ADAMS FVE 20240101.txt",
    "pa_election_map": "ADAMS Election Map 20240617.txt",
    "ny_voter_list": "AllNYSVoters_20260105.txt",
    "ny_voter_list_2014": "AllNYSVoters_20200106.txt",
    "mi_qvf_voters_lst": "entire_state_v.lst",
    "mi_qvf_history_lst": "entire_state_h.lst",
    "mi_qvf_election_codes": "electionscd.lst",
    "mi_qvf_voters": "EntireStateVoters.csv",
    "mi_qvf_history": "EntireStateVoterHistory.csv",
    "ga_voter_list_pipe": "Georgia_Daily_VoterBase.txt",
    "ga_voter_list_pipe_header": "STATE_WIDE_VOTER_20230301.txt",
    "ga_voter_list": "Statewide_Voter_List_20240105.csv",
    # Georgia's history file names are not documented either (the record length decides).
    "ga_voter_history_fixed": "2016_General_Election.TXT",
    "ga_voter_history_fixed_mdy": "2010_General_Election.TXT",
    "ga_voter_history": "2024_General_Election_Voter_History.csv",
    # Texas's per-county names are not documented: any .txt of the delivery.
    "tx_team_voters_686": "001_voters.txt",
    "tx_team_voters_680": "001_voters.txt",
    "tx_team_voters_667": "001_voters.txt",
    "tx_team_history_686": "001_history.txt",
    "tx_team_history_680": "001_history.txt",
    "tx_team_voters_2025": "001_voters.csv",
    "ca_pvrdr_vrd": "0001-000123-01-pvrdr-vrd.TXT",
    "ca_pvrdr_vph": "0001-000123-01-pvrdr-vph.TXT",
    "wa_vrdb": "20260105_VRDB_Extract.txt",
    "wa_vrdb_2016": "20160105_VRDB_Extract.txt",
    "wa_voting_history": "2025-2026_VotingHistoryExtract.txt",
    "co_voters": "Registered_Voters_List_ Part1.txt",
    "co_coordinated_voter_details": "EX-003_Coordinated_Voter_Details_Part1.txt",
    "co_voting_history": "Master_Voting_History_List_Part1.txt",
    "az_voter_list": "Maricopa_Active_20260105.csv",
    "wi_voter_list": "ExportVoterList_20260105.txt",
    "wi_voter_list_csv": "ExportVoterList_20260105.csv",
    "va_registered_voters": "Registered_Voter_List_20260105.csv",
    "va_voter_history": "Voter_History_20260105.csv",
    "nj_vlist": "Atlantic_vlist_20260105.csv",
    "nj_ehist": "Atlantic_ehist_20260105.csv",
    "nj_alphavoter": "AlphaVoter_Atlantic.txt",
    "nj_history_legacy": "History_Atlantic.txt",
    "mn_voters": "voters_cd1.txt",
    "mn_election_history": "election_cd1.txt",
    "ok_vr": "CTY01_vr.csv",
    "ok_vh": "CTY01_vh.csv",
    "vt_checklist": "January 2026 VT Statewide Voter File 1.5.2026.txt",
    "ut_voter_list": "voters.txt",
    "de_voter_reg": "de_voter_reg.txt",
    "or_voter_list": "Ex-RegisteredVoters-user-2019-06-03-101500.txt",
    "nv_elgbvtr": "VoterList.ElgbVtr.12345.20260105101500.csv",
    "nv_vthst": "VoterList.VtHst.12345.20260105101500.csv",
    "ia_voter_list": "VoterDetails_ Part1 01-05-26-1234.csv",
}

# Values a field can plausibly hold, tried in order (the first that fits its pattern and width): a
# code of the field's code table first, then these by the canonical column it feeds, then any of them,
# then a blank (the Texas voter files' election fields).
DATES = ("01/15/1980", "19800115", "01151980", "1980-01-15", "11/08/2016", "20161108", "11082016")
CANDIDATES = {
    "voter_id": ("NY000000012345", "0012345678", "100234567", "12345678", "1234567"),
    "birth_date": DATES,
    "registered_date": ("03/02/2004", "20040302", "03022004", "2004-03-02"),
    "last_voted_date": DATES[4:],
    "election_date": ("11/08/2016", "20161108", "11082016", "2016-11-08"),
    "birth_year": ("1980",),
    "county": ("ALA", "ADAMS", "27", "001", "01", "1"),
    "slot": ("1",),
}
ANY = (*(value for values in CANDIDATES.values() for value in values), "A", "Y", "003", "GEN")


def first_line(spec: Layout) -> str:
    """The first line of a file of this layout: its header, or a plausible first record."""
    if spec.has_header:
        return spec.text.delimiter.join(source.name for source in spec.fields) + "\r\n"
    values = [plausible_value(spec, source) for source in spec.fields]
    if spec.is_fixed_width:
        length = max(source.start + source.width - 1 for source in spec.fields)
        line = [" "] * length
        for source, value in zip(spec.fields, values, strict=True):
            line[source.start - 1 : source.start - 1 + source.width] = value.ljust(source.width)[: source.width]
        return "".join(line) + "\r\n"
    quote = spec.text.quote or ""
    return spec.text.delimiter.join(f"{quote}{value}{quote}" for value in values) + "\r\n"


def plausible_value(spec: Layout, source: SourceField) -> str:
    canonical = source.canonical[0] if source.canonical else None
    codes = tuple(spec.code_table(canonical) or ()) if canonical else ()
    if source.pattern is None:
        return (codes[0] if codes else "A")[: source.width or None]
    for candidate in (*codes, *CANDIDATES.get(canonical, ()), *ANY, ""):
        if re.fullmatch(source.pattern, candidate) and (source.width is None or len(candidate) <= source.width):
            return candidate
    raise AssertionError(f"{spec.id}: no plausible value for {source.name} ({source.pattern}): add one to CANDIDATES")


STATE_LAYOUTS = sorted(spec.id for spec in layouts().values() if spec.state in STATES)
ALL_LAYOUTS = sorted(layouts())


def matching(line: str, file_name: str | None) -> list[str]:
    return [spec.id for spec in formats() if _match(spec, line, file_name) is not None]


def test_every_state_of_the_folder_has_its_layouts():
    found = {spec.state for spec in layouts().values()}
    assert set(STATES) <= found, sorted(set(STATES) - found)
    for state in STATES:
        kinds = {spec.record_kind for spec in layouts().values() if spec.state == state}
        assert VOTER in kinds, state


def test_every_layout_has_a_realistic_file_name():
    assert set(ALL_LAYOUTS) <= set(FILE_NAMES), sorted(set(ALL_LAYOUTS) - set(FILE_NAMES))


@pytest.mark.parametrize("layout_id", ALL_LAYOUTS)
def test_a_first_line_is_recognised_as_its_layout(layout_id):
    spec = layouts()[layout_id]
    line, file_name = first_line(spec), FILE_NAMES[layout_id]
    found = detect_layout(line, file_name)
    assert found.spec.id == layout_id
    if not spec.has_header:
        assert found.field_count == len(spec.fields)


@pytest.mark.parametrize("layout_id", ALL_LAYOUTS)
def test_a_first_line_is_recognised_as_no_other_layout(layout_id):
    spec = layouts()[layout_id]
    others = set(matching(first_line(spec), FILE_NAMES[layout_id])) - {layout_id}
    assert others == set(KNOWN_OVERLAPS.get(layout_id, ())), others


@pytest.mark.parametrize("layout_id", ALL_LAYOUTS)
def test_a_first_line_is_never_another_states_whatever_the_file_name(layout_id):
    """Under any layout's file name, a file of one state is that state's or not recognised at all."""
    spec = layouts()[layout_id]
    line = first_line(spec)
    for file_name in sorted(set(FILE_NAMES.values())):
        if matching(line, file_name):  # else not recognised (detect_layout would say why)
            found = detect_layout(line, file_name)
            assert found.spec.state == spec.state, (file_name, found.spec.id)


# Lines another layout also takes, and why; detect_layout still picks the right one (test above).
KNOWN_OVERLAPS: dict[str, tuple[str, ...]] = {
    # VR_Snapshot's header holds every name ncvoter requires; it knows more of them.
    "nc_vr_snapshot": ("nc_ncvoter",),
    # (Texas voter and history files share one record layout: a voter record leaves the election
    # fields blank, which the history layout refuses (its election date is required), and the voter
    # layout refuses a filled election field: no overlap.)
    # Oklahoma's vh header is three names that Minnesota's election files also have (with
    # ElectionDescription): Minnesota's layout knows more of the header and wins.
    "mn_election_history": ("ok_vh",),
}


# --- what the layouts declare beyond their code tables ---------------------------------------------------


def _history_texts(spec: Layout) -> list[ElectionText]:
    history = spec.history
    if isinstance(history, ElectionColumns):
        return [history.columns]
    if isinstance(history, HistoryString):
        return [history.items]
    if isinstance(history, Slots):
        return [group.election for group in history.groups if group.election is not None]
    return []


@pytest.mark.parametrize("layout_id", STATE_LAYOUTS)
def test_history_declarations_stay_inside_the_vocabularies(layout_id):
    spec = layouts()[layout_id]
    for text in _history_texts(spec):
        assert set(text.types.values()) <= set(vocab.ELECTION_TYPES)
        assert text.type is None or text.type in vocab.ELECTION_TYPES
        for day in text.dates.values():
            datetime.strptime(day, "%Y-%m-%d")
        assert set(re.compile(text.pattern).groupindex) <= {"date", "year", "month", "day", "type"}
    if isinstance(spec.history, ElectionColumns):
        for meaning in spec.history.cells.values():
            assert meaning.voting_method is None or meaning.voting_method in vocab.VOTING_METHODS
            assert meaning.party_ballot is None or meaning.party_ballot in vocab.PARTIES
        if spec.history.cell_pattern:
            assert set(re.compile(spec.history.cell_pattern).groupindex) <= {"voting_method", "party_ballot"}
    if isinstance(spec.history, Slots):
        for group in spec.history.groups:
            assert group.election_type is None or group.election_type in vocab.ELECTION_TYPES
            assert set(group.columns) <= set(HISTORY_COLUMNS)
    for column, value in spec.constants.items():
        if column in vocab.CANONICAL_VALUES:
            assert value in vocab.CANONICAL_VALUES[column], (column, value)


@pytest.mark.parametrize("layout_id", STATE_LAYOUTS)
def test_voter_layouts_declare_their_history_and_companions_of_their_state(layout_id):
    spec = layouts()[layout_id]
    if spec.record_kind != VOTER:
        assert spec.history is None
        return
    assert spec.history is not None, "a state voter layout says what history its product has"
    targets = []
    if spec.history.kind == "history_file":
        targets.append((spec.history.layout, VOTE_HISTORY))
    if isinstance(spec.history, (Slots, HistoryFile)) and spec.history.lookup:
        targets.append((spec.history.lookup, ELECTION_MAP))
    for target_id, kind in targets:
        target = layouts()[target_id]
        assert (target.record_kind, target.state, target.family) == (kind, spec.state, spec.family)


@pytest.mark.parametrize("layout_id", sorted(i for i in STATE_LAYOUTS if isinstance(layouts()[i].history, Slots)))
def test_slot_columns_name_fields_of_the_layout(layout_id):
    spec = layouts()[layout_id]
    known = {name for source in spec.fields for name in source.names}
    for group in spec.history.groups:
        numbers = group.numbers or tuple(str(n) for n in range(1, group.count + 1))
        for template in group.columns.values():
            assert {template.replace("{n}", number).lower() for number in numbers} <= known


# History headers (or items, or slot labels) as the state notes show them, and what they say:
# (text, date or year, type word or None).
HISTORY_TEXTS = {
    "oh_swvf": [
        ("PRIMARY-03/15/2016", "03/15/2016", "PRIMARY"),
        ("GENERAL-11/08/2016", "11/08/2016", "GENERAL"),
        ("SPECIAL-08/07/2018", "08/07/2018", "SPECIAL"),
    ],
    "wi_voter_list": [("November2016", "2016", None), ("April2019", "2019", None)],
    "wi_voter_list_csv": [("November2016", "2016", None)],
    "vt_checklist": [
        ("2016 Gen Election Participation", "2016", None),
        ("11/05/2024-2024 STATEWIDE GENERAL", "11/05/2024", None),
    ],
    "ut_voter_list": [("11/8/2016", "11/8/2016", None), ("6/28/2016", "6/28/2016", None)],
    "az_voter_list": [
        ("GENERAL2022", "2022", "GENERAL"),
        ("PRIMARY2024", "2024", "PRIMARY"),
        ("2024 PRESIDENTIAL PREFERENCE", None, "PRESIDENTIAL PREFERENCE"),
        ("EL3", None, None),
        ("11/03/2020 GENERAL", "11/03/2020", "GENERAL"),
    ],
    "ny_voter_list": [("2016 GENERAL ELECTION", "2016", "GENERAL"), ("2018 Federal Primary", "2018", "Primary")],
    "ny_voter_list_2014": [("2012 GENERAL ELECTION", "2012", "GENERAL")],
    "de_voter_reg": [("GEN16", "16", None)],
}


@pytest.mark.parametrize("layout_id", sorted(HISTORY_TEXTS))
def test_history_texts_are_read_as_the_notes_say(layout_id):
    spec = layouts()[layout_id]
    (text,) = _history_texts(spec)
    pattern = re.compile(text.pattern, re.IGNORECASE)
    for sample, when, kind in HISTORY_TEXTS[layout_id]:
        found = pattern.search(sample)
        assert found, sample
        groups = found.groupdict()
        assert (groups.get("date") or groups.get("year")) == when, sample
        assert groups.get("type") == kind, sample
        if when is None:  # a text without a date: its date is known to the layout
            assert sample.upper() in text.dates, sample
        if kind is not None:
            assert kind.upper() in text.types or text.type, sample
        if groups.get("date"):
            datetime.strptime(groups["date"], text.date_format)


@pytest.mark.parametrize(
    "layout_id", sorted(i for i in STATE_LAYOUTS if isinstance(layouts()[i].history, ElectionColumns))
)
def test_no_fixed_column_is_taken_for_an_election(layout_id):
    spec = layouts()[layout_id]
    pattern = re.compile(spec.history.columns.pattern, re.IGNORECASE)
    assert [source.name for source in spec.fields if pattern.search(source.name)] == []


def test_arizona_cells_give_the_method_and_the_primary_ballot_party():
    spec = layouts()["az_voter_list"]
    pattern = re.compile(spec.history.cell_pattern)
    assert pattern.fullmatch("a - Democratic").groupdict() == {"voting_method": "a", "party_ballot": "Democratic"}
    assert pattern.fullmatch("p").groupdict() == {"voting_method": "p", "party_ballot": None}
    assert spec.code_table("voting_method")["A"] == "ABSENTEE"
    assert spec.code_table("party_ballot")["DEMOCRATIC"] == "Democrat"


# A file name of each multi-part product and the part it is.
PART_NAMES = {
    "fl_voter_extract": ("ALA_20260430.txt", "ALA"),
    "fl_voter_history": ("ALA_H_20260430.txt", "ALA"),
    "pa_fve": ("ADAMS FVE 20240617.txt", "ADAMS"),
    "pa_fve_2013": ("NORTHUMBERLAND FVE 20240101.txt", "NORTHUMBERLAND"),
    "pa_election_map": ("ADAMS Election Map 20240617.txt", "ADAMS"),
    "oh_swvf": ("SWVF_23_44.txt.gz", "23_44"),
    "co_voters": ("Registered_Voters_List_ Part3.txt", "3"),
    "co_voting_history": ("Master_Voting_History_List_Part12.txt.gz", "12"),
    "ok_vr": ("CTY07_vr.csv", "07"),
    "ok_vh": ("CTY77_vh.csv", "77"),
    "ia_voter_list": ("VoterDetails_ Part11 05-01-24-0930.csv", "11"),
    # Names the state does not document: those the generator writes (see the layouts' comments).
    "tx_team_voters_686": ("VR_101_20250801.txt", "101"),
    "tx_team_voters_680": ("VR_15_20240301.txt", "15"),
    "tx_team_voters_667": ("VR_227_20260105.txt", "227"),
    "tx_team_voters_2025": ("VR_57_20251015.csv", "57"),
    "tx_team_history_686": ("VH_101_20250801.txt", "101"),
    "tx_team_history_680": ("VH_15_20240301.txt", "15"),
    "nj_vlist": ("CAPE_MAY_vlist_20241001.csv", "CAPE_MAY"),
    "nj_ehist": ("ATLANTIC_ehist_20241001.csv", "ATLANTIC"),
    "nj_alphavoter": ("HUDSON_AlphaVoter_20150301.txt", "HUDSON"),
    "nj_history_legacy": ("HUDSON_History_20150301.txt", "HUDSON"),
}


def test_every_multi_part_product_has_a_part_name_example():
    assert {spec.id for spec in layouts().values() if spec.parts is not None} == set(PART_NAMES)


@pytest.mark.parametrize("layout_id", sorted(PART_NAMES))
def test_parts_are_read_from_the_file_name(layout_id):
    spec = layouts()[layout_id]
    file_name, part = PART_NAMES[layout_id]
    found = re.search(spec.parts.file_name, file_name)
    assert found and found["part"] == part
    if spec.parts.expected == "county_codes":
        assert part in spec.code_table("county")
    elif spec.parts.expected != "numbers":
        assert part in spec.parts.expected
    else:
        assert part.isdigit()


@pytest.mark.parametrize(
    ("layout_id", "member", "skipped"),
    [
        ("fl_voter_extract", "Voter_Registration_20260430/VerificationFiles/ALA_20260430.txt", True),
        ("fl_voter_extract", "Voter_Registration_20260430/ProcessedFiles/ALA_20260430.txt", True),
        ("fl_voter_extract", "Voter_Registration_20260430/ALA_20260430.txt", False),
        ("tx_team_voters_686", "Summary_File_20250801.txt", True),
        ("tx_team_voters_686", "001_voters.txt", False),
        ("co_voters", "EX-003_Master_Voter_List/EX-001_Split_District_Report_001.csv", True),
        ("mn_voters", "readme.txt", True),
    ],
)
def test_archive_members_to_skip(layout_id, member, skipped):
    assert bool(re.search(layouts()[layout_id].ignore_members, member)) is skipped


def test_utah_columns_after_the_quoted_comma_header_keep_their_positions():
    spec = layouts()["ut_voter_list"]
    header = ",".join(f'"{source.name}"' for source in spec.fields)
    found = detect_layout(header, "voters.txt")
    assert found.spec.id == "ut_voter_list"
    assert found.source_position("county") == 15
