"""Records glued after a record cut short: the case-study CSV's older, corrupted shape, by hand.

A line can hold a record whose tail was lost, immediately followed by a complete record or by the
header line. The complete record is recovered, the cut one quarantined as truncated_record, the
header tail as repeated_header; every clean line around them loads, under its own line number.
"""

from __future__ import annotations

from voter_platform_tests.test_ingest.conftest import ingest, rows

HEADER = "voter_id,first_name,last_name,age,gender,state,party,email,registered_date,last_voted_date,,,"


def record(number: int, first: str, last: str, state: str = "TX") -> str:
    email = f"{first.lower()}.{last.lower()}@example.org"
    return f"VOT{number:03d},{first},{last},{30 + number},F,{state},Democrat,{email},2015-03-15,2024-11-05,,,"


LINES = [
    HEADER,  # 1
    record(1, "James", "Smith"),
    record(2, "Maria", "Johnson"),
    record(3, "Ann", "Lee"),
    record(4, "Bo", "Diaz"),  # 2-5
    # 6: a record cut inside its last date, then a complete record
    "VOT005,Ann,Lee,40,F,TX,Democrat,ann.lee@example.org,2019-06-18,2024-" + record(6, "Bob", "Ray"),
    record(7, "Cy", "Tan"),
    record(8, "Di", "Ito"),
    record(9, "Ed", "Hu"),  # 7-9
    # 10: a record cut after its state, then the header
    "VOT010,Jo,Ng,30,F,AR" + HEADER,
    record(11, "Fay", "Oh"),
    record(12, "Gil", "Ma"),
    record(13, "Hal", "Yu"),  # 11-13
    # 14: a record cut inside its last name, then a complete record
    "VOT014,Jeremy,S" + record(15, "Kim", "Wu"),
    record(16, "Lu", "Xi"),
    record(17, "Mo", "Li"),
    record(18, "Ned", "Po"),  # 15-17
    # 18: two complete records, the newline between them lost
    record(19, "Oz", "Ko") + record(20, "Pia", "Re"),
    record(21, "Quin", "Sa"),
    record(22, "Ray", "To"),  # 19-20
]
CLEAN_LINES = {2, 3, 4, 5, 7, 8, 9, 11, 12, 13, 15, 16, 17, 19, 20}


def test_every_complete_record_is_loaded_and_every_cut_one_named(warehouse, landing):
    assert len(LINES) == 20
    path = landing / "goodparty_voters_2026-11-20.csv"
    path.write_text("\n".join(LINES) + "\n")
    (file,) = ingest(warehouse, [path]).files
    assert file.reconciles and file.layout == "goodparty (10 columns + 3 empty)"

    loaded = rows(
        warehouse, "select line_number, voter_id, quality_flags from raw.voters order by line_number, voter_id"
    )
    clean = {line: voter_id for line, voter_id, flags in loaded if line in CLEAN_LINES and flags == []}
    assert set(clean) == CLEAN_LINES  # no clean line next to a broken one is lost or flagged
    recovered = [(line, voter_id) for line, voter_id, flags in loaded if "recovered_from_glued_line" in flags]
    assert recovered == [(6, "VOT006"), (14, "VOT015"), (18, "VOT019"), (18, "VOT020")]

    quarantined = rows(
        warehouse, "select line_number, reasons, voter_id, detail from raw.quarantine order by line_number, reasons"
    )
    assert [(line, reasons, voter_id) for line, reasons, voter_id, _ in quarantined] == [
        (6, ["truncated_record"], "VOT005"),
        (10, ["repeated_header"], None),
        (10, ["truncated_record"], "VOT010"),
        (14, ["truncated_record"], "VOT014"),
    ]
    assert all(detail for *_, detail in quarantined)
    assert (file.rows_loaded, file.rows_quarantined, file.glued_lines) == (19, 4, 4)
