"""The words of a blocked date (lib/blocked.py), and its record in the published folder."""

from datetime import date

from voter_platform.lib.blocked import (
    BLOCKED_DATES_FILE,
    blocked_entry,
    describe_blocked_date,
    read_blocked_dates,
    record_blocked_date,
)
from voter_platform.lib.ingest.results import FileOutcome, PartitionOutcome, SnapshotOutcome

DAY = date(2026, 11, 5)


def _outcome(*, accepted: bool, reasons: dict[str, int], loaded: int, message: str) -> PartitionOutcome:
    quarantined = sum(reasons.values())
    outcome = PartitionOutcome(DAY, "run", 5.0)
    outcome.files = [
        FileOutcome(
            "voters_NC_2026-11-05.csv",
            status="loaded" if accepted else "rejected",
            record_kind="voter",
            source_id="canonical:NC",
            rows_loaded=loaded,
            rows_quarantined=quarantined,
            quarantine_reasons=reasons,
        ),
        FileOutcome(
            "voters_PA_2026-11-05.csv", status="loaded", record_kind="voter", source_id="canonical:PA", rows_loaded=100
        ),
    ]
    outcome.snapshots = [
        SnapshotOutcome(
            "canonical:NC",
            DAY,
            "canonical",
            "voters_NC_2026-11-05.csv",
            None,
            "none",
            loaded,
            0,
            quarantined,
            100.0 * quarantined / max(loaded + quarantined, 1),
            accepted,
            message,
        ),
        SnapshotOutcome(
            "canonical:PA", DAY, "canonical", "voters_PA_2026-11-05.csv", None, "none", 100, 0, 0, 0.0, True
        ),
    ]
    return outcome


def test_an_accepted_date_is_not_blocked():
    assert blocked_entry(_outcome(accepted=True, reasons={"missing_state": 1}, loaded=99, message="")) is None


def test_a_blocked_date_names_the_file_rate_top_reasons_and_what_to_do():
    reasons = {f"reason_{n}": n for n in range(1, 8)} | {"missing_state": 900}
    entry = blocked_entry(
        _outcome(
            accepted=False,
            reasons=reasons,
            loaded=9000,
            message="9.28% of the records of voters_NC_2026-11-05.csv were quarantined",
        )
    )
    [snapshot] = entry["snapshots"]  # the accepted PA snapshot is not part of it
    [file] = snapshot["files"]
    assert file["top_reasons"] == [
        ["missing_state", 900],
        ["reason_7", 7],
        ["reason_6", 6],
        ["reason_5", 5],
        ["reason_4", 4],
    ]
    text = describe_blocked_date(DAY, entry)
    assert text.splitlines() == [
        "2026-11-05 is blocked: its marts were not built and nothing was published for it.",
        "  voters_NC_2026-11-05.csv: 928 of 9,928 records quarantined (9.35%), above the 5% threshold.",
        "    Top reasons: missing_state 900, reason_7 7, reason_6 6, reason_5 5, reason_4 4 (and 3 more).",
        text.splitlines()[3],
    ]
    assert text.splitlines()[3].startswith("  What to do: raw.quarantine lists every quarantined line")
    assert "Traceback" not in text and "Error" not in text


def test_a_snapshot_rejected_for_another_reason_says_which():
    entry = blocked_entry(
        _outcome(accepted=False, reasons={}, loaded=0, message="no voter records loaded from voters_NC_2026-11-05.csv")
    )
    text = describe_blocked_date(DAY, entry)
    # A header-only file: the cause is said, not a quarantine rate of 0 of 0 records, and the advice fits it.
    assert "voters_NC_2026-11-05.csv: no voter records (a header line and no record)." in text
    assert "quarantined" not in text and "quarantine_threshold_pct" not in text
    assert "What to do: check that the export that wrote the file finished" in text


def test_a_multi_part_delivery_is_told_by_its_parts_together_and_its_large_parts_over_the_threshold():
    """County parts: the parts together are judged as one file; a part is told on its own only when it holds
    100 records or more and is over the threshold (a 7-record part with one bad line is in the total only)."""
    outcome = PartitionOutcome(DAY, "run", 5.0)
    parts = {"VR_1_20261105.txt": (46, 4), "VR_2_20261105.txt": (6, 1), "VR_3_20261105.txt": (180, 20)}
    outcome.files = [
        FileOutcome(
            name,
            status="rejected",
            record_kind="voter",
            source_id="tx:TX",
            rows_loaded=loaded,
            rows_quarantined=quarantined,
            quarantine_reasons={"wrong_line_length": quarantined},
        )
        for name, (loaded, quarantined) in parts.items()
    ]
    outcome.snapshots = [
        SnapshotOutcome("tx:TX", DAY, "tx", "VR_1_20261105.txt and 2 more", None, "none", 232, 0, 25, 10.0, False, "x")
    ]
    entry = blocked_entry(outcome)
    [snapshot] = entry["snapshots"]
    assert [(file["file"], file["parts"], file["records"], file["quarantined"]) for file in snapshot["files"]] == [
        ("the 3 voters parts together (VR_1_20261105.txt and 2 more)", 3, 257, 25),
        ("VR_3_20261105.txt", 1, 200, 20),
    ]
    lines = describe_blocked_date(DAY, entry).splitlines()
    assert lines[1] == (
        "  the 3 voters parts together (VR_1_20261105.txt and 2 more): 25 of 257 records quarantined (9.73%), "
        "above the 5% threshold."
    )
    assert lines[2] == "    Top reasons: wrong_line_length 25."
    assert lines[3] == "  VR_3_20261105.txt: 20 of 200 records quarantined (10.00%), above the 5% threshold."
    assert not any("VR_2_20261105.txt:" in line for line in lines)


def test_the_record_is_replaced_atomically_and_a_date_accepted_again_leaves_it(tmp_path):
    entry = blocked_entry(_outcome(accepted=False, reasons={"missing_state": 900}, loaded=9000, message="x"))
    record_blocked_date(tmp_path, DAY, entry)
    record_blocked_date(tmp_path, date(2026, 11, 4), entry)
    assert list(read_blocked_dates(tmp_path)) == ["2026-11-04", "2026-11-05"]
    record_blocked_date(tmp_path, DAY, None)
    assert list(read_blocked_dates(tmp_path)) == ["2026-11-04"]
    assert not list(tmp_path.glob("*.tmp")) and not list(tmp_path.glob(".*.tmp"))
    (tmp_path / BLOCKED_DATES_FILE).write_text("{ not json")
    assert read_blocked_dates(tmp_path) == {}  # an unreadable record hides nothing else
    # Nothing was ever blocked: no file is written for an accepted date.
    record_blocked_date(tmp_path / "fresh", DAY, None)
    assert not (tmp_path / "fresh").exists()
