"""Every state layout the generator writes loads as its truth says (issue 11: "at least 15 states load
from generated files in their official layouts").

For each registry voter layout: about 2,000 generated voters of its state (per-county products: a
three-county extract, the other counties then missing parts), ingested with `ingest_partition` as the
files land, compared with the truth in the generator's facts files: every line accounted for, nothing
quarantined, one snapshot per state, the voters loaded and their counts by registration status, party,
gender, race and primary ballot party, the vote-history rows, the missing parts named. Then the traps
of the state notes (`--defects state_quirks`), the deliveries as the states package them (.zip, .gz),
and the line defects of delimited layouts against their manifest.
"""

from __future__ import annotations

import json
import shutil
from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import duckdb
import pytest

from voter_platform.generate.config import DefectRates, GenerateConfig, state_formats
from voter_platform.generate.run import generate
from voter_platform.generate.writer import MANIFEST_DIR
from voter_platform.layouts.registry import layout
from voter_platform.lib.ingest import IngestOptions, InputFile, PartitionOutcome, ingest_partition
from voter_platform.lib.ingest.formats import detect_layout
from voter_platform.lib.ingest.prepass import read_header_line
from voter_platform_tests.test_ingest.manifest_check import manifest_problems

SNAPSHOT = date(2026, 11, 20)
VOTERS = 2_000
TRUTH_COLUMNS = ("registration_status", "party", "gender", "race", "primary_ballot_party")
# Per-county products are generated as a three-county extract (a county file costs the ingest a run of
# its own; 67 or 254 of them would make the test slow): the other counties are missing parts.
COUNTY_EXTRACTS = {
    "fl_voter_extract": ("Alachua", "Baker", "Miami-Dade"),
    "pa_fve": ("Adams", "Philadelphia", "McKean"),
    "pa_fve_2013": ("Adams", "Philadelphia", "McKean"),
    "ok_vr": ("Adair", "Tulsa", "Oklahoma"),
    "nj_vlist": ("Atlantic", "Cape May", "Union"),
    "nj_alphavoter": ("Atlantic", "Cape May", "Union"),
    **{layout_id: ("Harris", "Travis", "Loving") for layout_id in state_formats() if layout_id.startswith("tx_")},
}


@dataclass
class Truth:
    """The generator's facts of one delivery, summed over its files."""

    voters: int = 0
    by: dict[str, Counter] = field(default_factory=lambda: {column: Counter() for column in TRUTH_COLUMNS})
    history_rows: int = 0
    unknown_codes: Counter = field(default_factory=Counter)
    birth_year_only: int = 0
    history_cells_outside_the_table: int = 0
    missing_parts: set[str] = field(default_factory=set)
    empty_parts: set[str] = field(default_factory=set)  # written, with no record
    files: dict[str, dict] = field(default_factory=dict)

    @classmethod
    def read(cls, folder: Path) -> Truth:
        truth = cls()
        for path in sorted((folder / MANIFEST_DIR).glob("*.facts.json")):
            facts = json.loads(path.read_text(encoding="utf-8"))
            truth.files[facts["file_name"]] = facts
            said = facts.get("truth", {})
            truth.history_rows += said.get("history_rows") or 0
            if "records" not in said:
                continue
            truth.voters += said["records"]
            for column in TRUTH_COLUMNS:
                truth.by[column].update(said[f"records_by_{column}"])
            truth.unknown_codes.update(said["unknown_codes"])
            truth.birth_year_only += said["birth_year_only"]
            truth.history_cells_outside_the_table += said.get("history_cells_outside_the_table", 0)
            truth.missing_parts |= set(said["delivery"]["missing"])
            truth.empty_parts |= set(said["delivery"]["empty"])
        return truth


@dataclass
class Delivery:
    folder: Path
    outcome: PartitionOutcome
    warehouse: duckdb.DuckDBPyConnection
    truth: Truth

    def rows(self, sql: str) -> list[tuple]:
        return self.warehouse.execute(sql).fetchall()

    def counts(self, column: str) -> dict[str, int]:
        return dict(self.rows(f"select coalesce({column}, '(none)'), count(*) from raw.voters group by all"))

    def flags(self, table: str) -> Counter:
        return Counter(
            dict(
                self.rows(
                    f"select flag, count(*) from (select unnest(quality_flags) as flag from {table}) group by all"
                )
            )
        )


def deliver(
    tmp_path: Path,
    layout_id: str,
    *,
    voters: int = VOTERS,
    defects: str = "none",
    package: str = "none",
    counties: tuple[str, ...] | None = None,
    history: bool = True,
    seed: int = 5,
    leave_out: tuple[str, ...] = (),
    statewide: bool = False,
) -> Delivery:
    """Generate a state delivery and ingest its files as they land (archives as delivered), without
    the files named in `leave_out`; `statewide`: every county, not the layout's county extract."""
    folder = tmp_path / layout_id
    generate(
        GenerateConfig(
            voters=voters,
            start=SNAPSHOT,
            days=1,
            format=layout_id,
            out=folder,
            seed=seed,
            defects=DefectRates.parse(defects),
            package=package,
            history=history,
            counties=None if statewide else counties if counties is not None else COUNTY_EXTRACTS.get(layout_id),
        )
    )
    files = sorted(path for path in folder.iterdir() if path.is_file() and path.name not in leave_out)
    warehouse = duckdb.connect(str(tmp_path / f"{layout_id}.duckdb"))
    outcome = ingest_partition(
        warehouse, SNAPSHOT, [InputFile(path) for path in files], run_id="test", options=IngestOptions()
    )
    return Delivery(folder, outcome, warehouse, Truth.read(folder))


def assert_loads_as_its_truth(delivery: Delivery, layout_id: str) -> None:
    truth, outcome = delivery.truth, delivery.outcome
    assert [(file.file_name, file.status) for file in outcome.files if file.status != "loaded"] == []
    assert all(file.reconciles for file in outcome.files)
    assert sum(file.rows_quarantined for file in outcome.files) == 0
    spec = layout(layout_id)
    (snapshot,) = outcome.snapshots
    assert snapshot.source_id == f"{spec.family}:{spec.state}" and snapshot.accepted
    assert snapshot.voters_loaded == truth.voters > 0
    for column in TRUTH_COLUMNS:
        assert delivery.counts(column) == dict(truth.by[column]), column
    assert snapshot.history_rows_loaded == truth.history_rows
    assert set(snapshot.missing_parts) == truth.missing_parts
    if truth.missing_parts:
        assert f"{len(truth.missing_parts)} part" in snapshot.message
    assert delivery.flags("raw.vote_history")["unknown_history_cell"] == truth.history_cells_outside_the_table


@pytest.mark.parametrize("layout_id", state_formats())
def test_a_generated_state_delivery_loads_as_its_truth(tmp_path, layout_id):
    delivery = deliver(tmp_path, layout_id)
    for path in delivery.folder.iterdir():
        facts = delivery.truth.files.get(path.name)
        if facts is None:
            continue  # the manifest folder
        # Every file is recognised by its name and first line as the layout it was written in (a part
        # without the header of the first part, and an empty part, by the ingest from the other parts).
        if path.stat().st_size and (facts["header_lines"] or not layout(facts["layout"]).has_header):
            assert detect_layout(read_header_line(path), path.name).spec.id == facts["layout"]
    assert {file.file_name: file.layout.split(" ")[0] for file in delivery.outcome.files} == {
        name: facts["layout"] for name, facts in delivery.truth.files.items()
    }
    assert_loads_as_its_truth(delivery, layout_id)


def test_a_texas_delivery_of_a_few_thousand_voters_has_every_county_and_is_accepted(tmp_path):
    """3,000 voters over Texas's 254 counties leave dozens of counties without a voter: their files are
    written empty, as the state writes them, and with the heavy defects (one bad line in a county file of
    a few records is over 5% of that file) the delivery loads, accepted, with no part missing and every
    line accounted for."""
    delivery = deliver(tmp_path, "tx_team_voters_686", voters=3_000, defects="heavy", statewide=True)
    voters = [file for file in delivery.outcome.files if file.record_kind == "voter"]
    history = [file for file in delivery.outcome.files if file.record_kind == "vote_history"]
    assert len(voters) == len(history) == 254
    empty = [file for file in delivery.outcome.files if file.size == 0]
    assert len(empty) > 20 and delivery.truth.empty_parts and not delivery.truth.missing_parts
    assert all(file.lines_read == 0 and file.layout.startswith("tx_team_") for file in empty)
    assert all(file.status == "loaded" and file.reconciles for file in delivery.outcome.files)
    (snapshot,) = delivery.outcome.snapshots
    assert snapshot.accepted and snapshot.missing_parts == [] and "missing" not in snapshot.message
    # A small county file over the threshold on its own: judged with the other parts, not alone.
    small_and_over = [file for file in voters if 0 < file.records < 100 and file.quarantine_rate_pct > 5]
    assert small_and_over and snapshot.quarantine_rate_pct < 5
    assert snapshot.voters_loaded == sum(file.rows_loaded for file in voters) > 2_500


def test_the_legacy_michigan_voters_file_loads_without_its_history(tmp_path):
    """Fixed-width entire_state_v.lst (year of birth only, MMDDYYYY registration dates) on its own."""
    delivery = deliver(tmp_path, "mi_qvf_voters_lst", history=False)
    assert_loads_as_its_truth(delivery, "mi_qvf_voters_lst")
    assert delivery.rows("select count(*), count(birth_date), count(birth_year) from raw.voters") == [
        (VOTERS, 0, VOTERS)
    ]


def test_legacy_michigan_history_is_dated_by_its_election_codes(tmp_path):
    """entire_state_h.lst names each election by code; electionscd.lst, delivered with it, dates it."""
    delivery = deliver(tmp_path, "mi_qvf_voters_lst", voters=500)
    files = {file.file_name: file for file in delivery.outcome.files}
    assert files["electionscd.lst"].layout.startswith("mi_qvf_election_codes")
    history = files["entire_state_h.lst"]
    assert history.reconciles and history.rows_quarantined == 0
    assert history.rows_loaded == delivery.truth.history_rows > 0
    assert delivery.rows(
        "select count(*) from raw.vote_history where election_date is null or election_label is null"
    ) == [(0,)]
    types = dict(delivery.rows("select election_type, count(*) from raw.vote_history group by all"))
    assert set(types) == {"GENERAL", "PRIMARY", "SPECIAL"}
    assert delivery.rows(
        "select count(*) from raw.vote_history where election_date = '2024-11-05' and election_type <> 'GENERAL'"
    ) == [(0,)]


def test_legacy_michigan_history_without_its_election_codes_is_quarantined(tmp_path):
    """Without electionscd.lst no row of entire_state_h.lst can be dated: each is quarantined, the
    detail naming the missing lookup; the voters load."""
    delivery = deliver(tmp_path, "mi_qvf_voters_lst", voters=500, leave_out=("electionscd.lst",))
    history = next(file for file in delivery.outcome.files if file.file_name == "entire_state_h.lst")
    assert history.reconciles and history.rows_loaded == 0
    assert history.rows_quarantined == delivery.truth.history_rows > 0
    assert history.quarantine_reasons == {"missing_election_date": delivery.truth.history_rows}
    (detail,) = {
        row[0] for row in delivery.rows("select detail from raw.quarantine where file_name = 'entire_state_h.lst'")
    }
    assert "electionscd.lst" in detail and "no lookup came with this file" in detail
    (snapshot,) = delivery.outcome.snapshots
    assert snapshot.voters_loaded == 500


def test_legacy_michigan_history_of_a_code_the_lookup_lacks_is_quarantined(tmp_path):
    """A code electionscd.lst does not list dates no row: those rows are quarantined, named; the rest load."""
    folder = tmp_path / "mi_qvf_voters_lst"
    generate(GenerateConfig(voters=500, start=SNAPSHOT, days=1, format="mi_qvf_voters_lst", out=folder, seed=5))
    lookup = folder / "electionscd.lst"
    listed = lookup.read_text(encoding="latin-1").splitlines(keepends=True)
    lookup.write_text("".join(listed[1:]), encoding="latin-1")  # the oldest election's code goes
    unlisted = listed[0][:13].strip()
    history = (folder / "entire_state_h.lst").read_text(encoding="latin-1").splitlines()
    undated = sum(1 for line in history if line[25:38].strip() == unlisted)
    assert 0 < undated < len(history)
    warehouse = duckdb.connect(str(tmp_path / "mi.duckdb"))
    files = [InputFile(path) for path in sorted(folder.iterdir()) if path.is_file()]
    outcome = ingest_partition(
        warehouse, SNAPSHOT, files, run_id="test", options=IngestOptions(quarantine_threshold_pct=100)
    )
    loaded = next(file for file in outcome.files if file.file_name == "entire_state_h.lst")
    assert loaded.reconciles and (loaded.rows_loaded, loaded.rows_quarantined) == (len(history) - undated, undated)
    assert loaded.quarantine_reasons == {"missing_election_date": undated}
    (detail,) = {
        row[0]
        for row in warehouse.execute(
            "select detail from raw.quarantine where file_name = 'entire_state_h.lst'"
        ).fetchall()
    }
    assert detail == (
        "the row's election code is blank or not listed in the election-code lookup electionscd.lst: "
        "the row belongs to no election"
    )


def test_iowa_parts_gather_with_the_header_of_the_first(tmp_path):
    delivery = deliver(tmp_path, "ia_voter_list")
    files = {file.file_name: file for file in delivery.outcome.files}
    assert [file.layout.endswith("header of the first part)") for _, file in sorted(files.items())] == [
        False,
        True,
        True,
        True,
    ]
    assert [file.header_lines for _, file in sorted(files.items())] == [1, 0, 0, 0]
    (snapshot,) = delivery.outcome.snapshots
    assert snapshot.voters_loaded == delivery.truth.voters == VOTERS
    for column in TRUTH_COLUMNS:
        assert delivery.counts(column) == dict(delivery.truth.by[column]), column


def test_a_history_file_without_a_type_column_keeps_federal_generals_general(tmp_path):
    delivery = deliver(tmp_path, "wa_vrdb", voters=500)
    general_days = delivery.rows(
        "select count(*) from raw.vote_history where election_date in "
        "('2016-11-08', '2018-11-06', '2020-11-03', '2022-11-08', '2024-11-05')"
    )[0][0]
    assert general_days > 0
    assert (
        delivery.rows(
            "select count(*) from raw.vote_history where election_date = '2024-11-05' and election_type = 'GENERAL'"
        )[0][0]
        > 0
    )
    assert delivery.flags("raw.vote_history")["unknown_election_type"] == 0


# --- the traps of the state notes ------------------------------------------------------------------


def test_state_quirks_load_flagged_and_a_missing_part_is_named(tmp_path):
    """Ohio with --defects state_quirks: a party letter outside the table (loaded as Other, flagged), a
    GENERAL column on a day no calendar lists, one of the four county-range files missing."""
    delivery = deliver(tmp_path, "oh_swvf", defects="state_quirks")
    truth = delivery.truth
    assert_loads_as_its_truth(delivery, "oh_swvf")
    (snapshot,) = delivery.outcome.snapshots
    assert len(truth.missing_parts) == 1 and snapshot.missing_parts == sorted(truth.missing_parts)
    assert len(delivery.outcome.files) == 3
    assert truth.unknown_codes["primary_ballot_party"] > 0
    assert delivery.flags("raw.voters")["unknown_primary_ballot_party"] == truth.unknown_codes["primary_ballot_party"]
    off_calendar = delivery.rows(
        "select count(*) from raw.vote_history where election_date = '2025-02-04' and election_type = 'GENERAL'"
    )[0][0]
    assert off_calendar > 0
    named = [facts["truth"].get("elections_named", []) for facts in truth.files.values()]
    assert all("GENERAL-02/04/2025" in names for names in named)


def test_unknown_party_codes_in_headerless_county_files(tmp_path):
    delivery = deliver(
        tmp_path, "fl_voter_extract", defects="state_quirks", counties=("Alachua", "Baker", "Bay", "Duval")
    )
    truth = delivery.truth
    assert_loads_as_its_truth(delivery, "fl_voter_extract")
    assert truth.unknown_codes["party"] > 0
    assert delivery.flags("raw.voters")["unknown_party"] == truth.unknown_codes["party"]
    assert truth.by["party"]["Other"] >= truth.unknown_codes["party"]


def test_a_gap_in_numbered_parts_is_named(tmp_path):
    """Colorado's numbered voter-list parts with one left out (not the last: only a gap can be told)."""
    delivery = deliver(tmp_path, "co_voters", defects="state_quirks")
    assert_loads_as_its_truth(delivery, "co_voters")
    (snapshot,) = delivery.outcome.snapshots
    assert snapshot.missing_parts in (["2"], ["3"])


@pytest.mark.parametrize("layout_id", ["ga_voter_list_pipe", "mn_voters", "vt_checklist", "or_voter_list"])
def test_year_only_births_load_without_a_birth_date(tmp_path, layout_id):
    delivery = deliver(tmp_path, layout_id, voters=500)
    assert_loads_as_its_truth(delivery, layout_id)
    voters = delivery.truth.voters
    assert delivery.rows("select count(birth_date), count(birth_year), min(birth_year) > 1900 from raw.voters") == [
        (0, voters, True)
    ]


def test_arizona_election_cells_say_method_and_primary_ballot_party(tmp_path):
    """AZ's `P - Democratic`: a vote, its method and the party of the primary ballot."""
    delivery = deliver(tmp_path, "az_voter_list", voters=500)
    assert_loads_as_its_truth(delivery, "az_voter_list")
    ballots = dict(
        delivery.rows(
            "select election_type, count(party_ballot) from raw.vote_history "
            "where election_type in ('GENERAL', 'PRIMARY') group by all"
        )
    )
    assert ballots["PRIMARY"] > 0 and ballots["GENERAL"] == 0
    assert delivery.rows("select count(*) from raw.vote_history where voting_method is null") == [(0,)]


def test_texas_primaries_are_known_by_their_ballot_party(tmp_path):
    """TX's Election_Type codes are not published (the generator leaves them blank, as the notes allow) and
    its Election_Party is the party of a primary ballot: a row with one is a PRIMARY, a federal general's
    day a GENERAL, none flagged; so a state without party registration still gets a party."""
    delivery = deliver(tmp_path, "tx_team_voters_686", voters=500)
    assert_loads_as_its_truth(delivery, "tx_team_voters_686")
    by_type = dict(
        delivery.rows(
            "select election_type, count(*) filter (where party_ballot is null) from raw.vote_history group by all"
        )
    )
    assert set(by_type) == {"PRIMARY", "GENERAL", "OTHER"} and by_type["PRIMARY"] == 0
    assert delivery.rows(
        "select count(*) from raw.vote_history where election_type = 'GENERAL' "
        "and election_date not in ('2008-11-04', '2010-11-02', '2012-11-06', '2014-11-04', '2016-11-08', "
        "'2018-11-06', '2020-11-03', '2022-11-08', '2024-11-05', '2026-11-03')"
    ) == [(0,)]
    assert delivery.flags("raw.vote_history")["unknown_election_type"] == 0


def test_arizona_year_only_births_beside_the_date_column(tmp_path):
    delivery = deliver(tmp_path, "az_voter_list", voters=500, defects="year_only_birth=0.1")
    year_only = delivery.truth.birth_year_only
    assert year_only > 0
    assert delivery.rows("select count(*) from raw.voters where birth_date is null and birth_year is not null") == [
        (year_only,)
    ]


# --- deliveries as the states package them ----------------------------------------------------------


def test_a_zip_of_county_files_is_read_as_delivered(tmp_path):
    delivery = deliver(tmp_path, "fl_voter_extract", package="zip", voters=1000)
    assert sorted(path.name for path in delivery.folder.iterdir() if path.is_file()) == [
        "Voter_Extract_20261120.zip",
        "Voter_History_20261120.zip",
    ]
    assert {file.file_name.split("/")[0] for file in delivery.outcome.files} == {
        "Voter_Extract_20261120.zip",
        "Voter_History_20261120.zip",
    }
    assert_loads_as_its_truth(delivery, "fl_voter_extract")


def test_voters_and_history_parts_in_one_zip(tmp_path):
    delivery = deliver(tmp_path, "ok_vr", package="zip", voters=1000)
    assert [path.name for path in delivery.folder.iterdir() if path.is_file()] == ["CTYSW_VR_20261120000000.zip"]
    assert "CTYSW_VR_20261120000000.zip/CTY01_vr.csv" in {file.file_name for file in delivery.outcome.files}
    assert_loads_as_its_truth(delivery, "ok_vr")


def test_gzipped_county_range_files_are_read_as_delivered(tmp_path):
    delivery = deliver(tmp_path, "oh_swvf", package="gz", voters=1000)
    assert sorted(file.file_name for file in delivery.outcome.files) == [
        "SWVF_1_22.txt.gz",
        "SWVF_23_44.txt.gz",
        "SWVF_45_66.txt.gz",
        "SWVF_67_88.txt.gz",
    ]
    assert_loads_as_its_truth(delivery, "oh_swvf")


# --- line defects in state layouts ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("layout_id", "counties"),
    [
        ("oh_swvf", None),
        ("va_registered_voters", None),
        ("fl_voter_extract", ("Alachua", "Baker")),
        ("ny_voter_list", None),
        # Fixed width: TX's voter and history records per county, MI's legacy .lst files, GA's
        # fixed-width history beside its pipe-delimited voters.
        ("tx_team_voters_686", ("Travis", "Bexar")),
        ("mi_qvf_voters_lst", None),
        ("ga_voter_list_pipe", None),
    ],
)
def test_line_defects_end_where_the_manifest_says(tmp_path, layout_id, counties):
    delivery = deliver(tmp_path, layout_id, voters=3000, defects="0.004", counties=counties, seed=7)
    files = [path for path in delivery.folder.iterdir() if path.is_file()]
    assert (
        sum(
            json.loads((delivery.folder / MANIFEST_DIR / f"{path.name}.facts.json").read_text())["lines"]
            for path in files
        )
        > 0
    )
    defects = sum(
        len((delivery.folder / MANIFEST_DIR / f"{path.name}.defects.csv").read_text().splitlines()) - 1
        for path in files
    )
    assert defects > 10
    assert all(file.reconciles for file in delivery.outcome.files)
    for path in files:
        facts = json.loads((delivery.folder / MANIFEST_DIR / f"{path.name}.facts.json").read_text())
        if facts["record_kind"] != "election_map":  # MI's election-code lookup: no voter's line
            assert manifest_problems(delivery.warehouse, path) == [], path.name


def test_a_quoted_field_spanning_lines_costs_no_other_record_its_history(tmp_path):
    """Pennsylvania's FVE quotes every value; a value with a line break inside its quotes (LF: the county
    files are read together) is one record over two lines, its forty history slots read from the same
    record. That voter and every other keep every vote, each on its own voter's line. (A second read once
    numbered the records after the break wrongly: on a 50,000-voter delivery the votes of 61 of its 67
    counties were lost, silently. test_quoted_line_breaks.py has the generator's quoted_line_break.)"""
    clean = deliver(tmp_path / "clean", "pa_fve", voters=600, seed=9)
    adams = next(path for path in clean.folder.iterdir() if path.name.startswith("ADAMS FVE"))
    broken = tmp_path / "broken"
    shutil.copytree(clean.folder, broken)
    lines = adams.read_bytes().split(b"\n")
    fields = lines[2].split(b"\t")
    broken_voter = fields[0].strip(b'"').decode()
    fields[2] = fields[2][:3] + b"\n" + fields[2][3:]  # inside the quotes of the third value
    lines[2] = b"\t".join(fields)
    (broken / adams.name).write_bytes(b"\n".join(lines))
    warehouse = duckdb.connect(str(tmp_path / "broken.duckdb"))
    files = sorted(path for path in broken.iterdir() if path.is_file())
    outcome = ingest_partition(warehouse, SNAPSHOT, [InputFile(path) for path in files], options=IngestOptions())
    assert all(file.reconciles for file in outcome.files)

    assert all(file.reader == "duckdb read_csv" for file in outcome.files if "FVE" in file.file_name)
    assert [file.continuation_lines for file in outcome.files if file.file_name == adams.name] == [1]
    assert warehouse.execute(
        "select file_name, line_number, quality_flags from raw.voters where voter_id = ?", [broken_voter]
    ).fetchall() == [(adams.name, 3, ["line_break_in_value"])]

    votes = "select file_name, voter_id, election_date, election_type from raw.vote_history"
    expected = clean.warehouse.execute(votes).fetchall()
    assert len(expected) > 1000
    assert [row for row in expected if row[1] == broken_voter]
    assert sorted(warehouse.execute(votes).fetchall()) == sorted(expected)
    assert warehouse.execute(
        "select count(*) from raw.vote_history h anti join raw.voters v using (file_name, line_number, voter_id)"
    ).fetchone() == (0,)


@pytest.mark.parametrize("layout_id", ["oh_swvf", "wi_voter_list_csv", "ia_voter_list"])
def test_records_recovered_from_a_glued_line_keep_their_votes(tmp_path, layout_id):
    """A lost newline runs two records into one line of a voters file that carries the votes (a column per
    election, or slots by date): both records are recovered, and each keeps every vote it holds, as in the same
    delivery without the defect. (Their votes were lost, silently: no read of the file's records had them.)"""
    clean = deliver(tmp_path / "clean", layout_id, voters=1500, seed=7)
    glued = deliver(tmp_path / "glued", layout_id, voters=1500, seed=7, defects="glued_lines=0.02")
    recovered = glued.rows(
        "select voter_id from raw.voters where list_contains(quality_flags, 'recovered_from_glued_line')"
    )
    assert len(recovered) > 10
    votes = (
        "select voter_id, election_date, election_type, voting_method, party_ballot from raw.vote_history "
        "where voter_id in (select unnest($ids))"
    )
    ids = {"ids": [voter_id for (voter_id,) in recovered]}
    expected = sorted(clean.warehouse.execute(votes, ids).fetchall())
    assert len(expected) > 10
    assert sorted(glued.warehouse.execute(votes, ids).fetchall()) == expected
