"""Small voter files with known defects, and their manifests, for the ingest tests.

The manifest follows the generator's contract (shared brief): `<folder>/_manifest/<file>.defects.csv`
with columns file_name, line_number, defect, detail; one row per affected physical line (1 = header).
The tests read the manifest, not this module, so they run unchanged on generated files.

This is a fixture builder, not the platform's generator: a handful of deterministic records per
file, each defect on its own line.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from voter_platform.lib.ingest.formats import CANONICAL_HISTORY_HEADER, CANONICAL_VOTER_HEADER, GOODPARTY_HEADER

FIRST_NAMES = ["Ada", "Grace", "Alan", "Edsger", "Barbara", "Donald", "Frances", "John"]
LAST_NAMES = ["Lovelace", "Hopper", "Turing", "Dijkstra", "Liskov", "Knuth", "Allen", "Backus"]
PARTIES = ["Democrat", "Republican", "Independent", "Libertarian", "Green", "Other"]


def canonical_voter(number: int, snapshot: date, state: str = "NC") -> dict[str, str]:
    """A valid canonical voter record (deterministic in `number`)."""
    birth = date(1950, 1, 1) + timedelta(days=(number * 3761) % 18000)
    registered = birth + timedelta(days=365 * 18 + (number * 97) % 3000)
    return {
        "voter_id": f"{state}{number:07d}",
        "first_name": FIRST_NAMES[number % len(FIRST_NAMES)],
        "middle_name": "Q" if number % 3 == 0 else "",
        "last_name": LAST_NAMES[(number // 3) % len(LAST_NAMES)],
        "name_suffix": "",
        "birth_date": birth.isoformat(),
        "gender": "FMXU"[number % 4],
        "race": "White",
        "ethnicity": "Not Hispanic",
        "party": PARTIES[number % len(PARTIES)],
        "registration_status": "ACTIVE" if number % 7 else "INACTIVE",
        "status_reason": "",
        "registered_date": registered.isoformat(),
        "street_address": f"{number} Main St",
        "city": "Raleigh",
        "state": state,
        "zip_code": f"{27500 + number % 90}",
        "county": "Wake",
        "email": f"voter{number}@example.org",
        "phone": f"919555{number % 10000:04d}",
        "last_voted_date": "2024-11-05" if number % 2 else "",
        "updated_at": f"{snapshot - timedelta(days=1 + number % 30)} 12:{number % 60:02d}:00",
    }


def goodparty_voter(number: int, snapshot: date) -> dict[str, str]:
    canonical = canonical_voter(number, snapshot)
    updated = date.fromisoformat(canonical["updated_at"][:10])
    return {
        "id": f"VOT{number:03d}",
        "first_name": canonical["first_name"],
        "last_name": canonical["last_name"],
        "age": str(snapshot.year - int(canonical["birth_date"][:4]) - 1),
        "gender": "FM"[number % 2],
        "state": ["CA", "TX", "NY", "FL", "NC"][number % 5],
        "party": ["Democrat", "Republican", "Independent"][number % 3],
        "email": canonical["email"],
        "registered_date": canonical["registered_date"],
        "last_voted_date": canonical["last_voted_date"],
        "updated_at": f"{updated.month}/{updated.day}/{updated.year} {number % 24}:{number % 60:02d}:{number % 60:02d}",
    }


def history_row(voter_id: str, election_date: str, method: str = "IN_PERSON", state: str = "NC") -> dict[str, str]:
    return {
        "voter_id": voter_id,
        "state": state,
        "election_date": election_date,
        "election_type": "GENERAL",
        "voting_method": method,
        "party_ballot": "",
    }


@dataclass
class DefectFile:
    """Lines of one file being built, and the manifest rows describing its defects."""

    name: str
    header: tuple[str, ...]
    delimiter: str = ","
    lines: list[bytes] = field(default_factory=list)
    manifest: list[tuple[int, str, str]] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.lines.append(self.delimiter.join(self.header).encode())

    @property
    def next_line(self) -> int:
        """The physical line the next record starts on (a record with a line break in a value takes two)."""
        return sum(1 + line.count(b"\n") for line in self.lines) + 1

    def _encode(self, record: dict[str, str]) -> bytes:
        values = []
        for column in self.header:
            value = record.get(column, "")
            if self.delimiter in value or '"' in value or "\n" in value:
                value = '"' + value.replace('"', '""') + '"'
            values.append(value)
        return self.delimiter.join(values).encode()

    def record(self, record: dict[str, str]) -> int:
        number = self.next_line
        self.lines.append(self._encode(record))
        return number

    def defect(
        self, kind: str, record: dict[str, str] | None = None, detail: str = "", raw: bytes | None = None
    ) -> int:
        number = self.next_line
        self.lines.append(raw if raw is not None else self._encode(record or {}))
        self.manifest.append((number, kind, detail))
        return number

    def write(self, folder: Path, final_newline: bool = True) -> Path:
        path = folder / self.name
        path.write_bytes(b"\n".join(self.lines) + (b"\n" if final_newline else b""))
        manifest_folder = folder / "_manifest"
        manifest_folder.mkdir(exist_ok=True)
        with (manifest_folder / f"{self.name}.defects.csv").open("w", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(["file_name", "line_number", "defect", "detail"])
            for line_number, kind, detail in self.manifest:
                writer.writerow([self.name, line_number, kind, detail])
        return path


def canonical_voters_with_defects(snapshot: date, state: str = "NC") -> DefectFile:
    """A canonical voters file with every defect kind of the manifest contract, each on its own line."""
    file = DefectFile(f"voters_{state}_{snapshot.isoformat()}.csv", CANONICAL_VOTER_HEADER)
    numbers = iter(range(1, 10_000))
    for _ in range(40):
        file.record(canonical_voter(next(numbers), snapshot, state))

    for column in ("middle_name", "email", "party", "county", "birth_date", "voter_id", "state"):
        record = canonical_voter(next(numbers), snapshot, state)
        record[column] = ""
        file.defect("blank_field", record, column)
    record = canonical_voter(next(numbers), snapshot, state)
    record["state"] = "North Carolina"
    file.defect("state_name", record)
    record = canonical_voter(next(numbers), snapshot, state)
    record["email"] = "ada.at.example.org"
    file.defect("malformed_email", record)
    record = canonical_voter(next(numbers), snapshot, state)
    record["birth_date"] = "1880-02-28"  # 146 years old on the snapshot date
    file.defect("impossible_age", record)
    record = canonical_voter(next(numbers), snapshot, state)
    record["registered_date"] = (snapshot + timedelta(days=400)).isoformat()
    file.defect("impossible_date", record, "registered_date")
    record = canonical_voter(next(numbers), snapshot, state)
    record["last_voted_date"] = "2023-02-30"
    file.defect("impossible_date", record, "last_voted_date")

    original = canonical_voter(next(numbers), snapshot, state)
    original_line = file.record(original)
    file.defect("exact_duplicate", original, str(original_line))

    older = canonical_voter(next(numbers), snapshot, state)
    older["updated_at"] = f"{snapshot - timedelta(days=60)} 08:00:00"
    newer = dict(
        older,
        party="Green" if older["party"] != "Green" else "Democrat",
        updated_at=f"{snapshot - timedelta(days=2)} 08:00:00",
    )
    newer_line = file.record(newer)  # the newer version first: the newest wins, not the last line
    file.defect("conflicting_duplicate", older, str(newer_line))

    first, second = canonical_voter(next(numbers), snapshot, state), canonical_voter(next(numbers), snapshot, state)
    file.defect("glued_lines", raw=file._encode(first) + file._encode(second))

    file.defect("repeated_header", raw=",".join(CANONICAL_VOTER_HEADER).encode())
    file.defect("trailing_empty_columns", raw=file._encode(canonical_voter(next(numbers), snapshot, state)) + b",,,")

    record = canonical_voter(next(numbers), snapshot, state)
    file.defect("non_utf8", raw=file._encode(record).replace(record["last_name"].encode(), b"Mu\xf1oz", 1))
    record = canonical_voter(next(numbers), snapshot, state)
    record["street_address"] = record["street_address"].replace(" ", "\n", 1)  # quoted by _encode
    file.defect("quoted_line_break", record, "street_address")

    for _ in range(3):  # records whose end was lost: unparseable, quarantined
        encoded = file._encode(canonical_voter(next(numbers), snapshot, state))
        file.defect("cut_short", raw=encoded[: len(encoded) // 2])

    for _ in range(40):
        file.record(canonical_voter(next(numbers), snapshot, state))
    return file


def canonical_history_with_defects(voters: DefectFile, snapshot: date, state: str = "NC") -> DefectFile:
    """A canonical vote-history file for the voters of `voters`, with history-side defects."""
    file = DefectFile(f"vote_history_{state}_{snapshot.isoformat()}.csv", CANONICAL_HISTORY_HEADER)
    ids = [f"{state}{number:07d}" for number in range(1, 30)]
    for voter_id in ids:
        file.record(history_row(voter_id, "2020-11-03", "MAIL"))
        file.record(history_row(voter_id, "2024-11-05"))
    row = history_row(ids[0], "2022-11-08", "EARLY")
    row_line = file.record(row)
    file.defect("exact_duplicate", row, str(row_line))
    conflicting = history_row(ids[1], "2022-11-08", "EARLY")
    conflicting_line = file.record(conflicting)
    file.defect("conflicting_duplicate", dict(conflicting, voting_method="ABSENTEE"), str(conflicting_line))
    file.defect("blank_field", history_row("", "2022-11-08"), "voter_id")
    file.defect("impossible_date", history_row(ids[2], (snapshot + timedelta(days=30)).isoformat()), "election_date")
    file.defect(
        "glued_lines",
        raw=file._encode(history_row(ids[3], "2018-11-06")) + file._encode(history_row(ids[4], "2018-11-06")),
    )
    file.defect("repeated_header", raw=",".join(CANONICAL_HISTORY_HEADER).encode())
    for voter_id in ids[5:10]:
        file.record(history_row(voter_id, "2016-11-08", "ABSENTEE"))
    return file


def goodparty_with_defects(snapshot: date) -> DefectFile:
    """A goodparty-format file (updated_at as M/D/YYYY H:MM:SS) with the defects that format can carry.

    It contains one name with a valid multi-byte UTF-8 character, so the file is UTF-8 and the line
    with a broken byte is quarantined rather than the whole file read as latin-1.
    """
    file = DefectFile("goodparty_voters.csv", GOODPARTY_HEADER)
    numbers = iter(range(1, 10_000))
    for _ in range(30):
        file.record(goodparty_voter(next(numbers), snapshot))
    record = goodparty_voter(next(numbers), snapshot)
    record["first_name"] = "José"
    file.record(record)
    for column in ("first_name", "email", "state"):
        record = goodparty_voter(next(numbers), snapshot)
        record[column] = ""
        file.defect("blank_field", record, column)
    record = goodparty_voter(next(numbers), snapshot)
    record["state"] = "New York"
    file.defect("state_name", record)
    record = goodparty_voter(next(numbers), snapshot)
    record["age"] = "7"
    file.defect("impossible_age", record)
    record = goodparty_voter(next(numbers), snapshot)
    record["email"] = "bad email@"
    file.defect("malformed_email", record)
    original = goodparty_voter(next(numbers), snapshot)
    original_line = file.record(original)
    file.defect("exact_duplicate", original, str(original_line))
    first, second = goodparty_voter(next(numbers), snapshot), goodparty_voter(next(numbers), snapshot)
    file.defect("glued_lines", raw=file._encode(first) + file._encode(second))
    record = goodparty_voter(next(numbers), snapshot)
    file.defect("non_utf8", raw=file._encode(record).replace(record["last_name"].encode(), b"Garc\xeda", 1))
    for _ in range(30):
        file.record(goodparty_voter(next(numbers), snapshot))
    return file


@dataclass(frozen=True)
class ManifestRow:
    file_name: str
    line_number: int
    defect: str
    detail: str


def read_manifest(data_file: Path) -> list[ManifestRow]:
    """The defect manifest of a data file (generator contract)."""
    path = data_file.parent / "_manifest" / f"{data_file.name}.defects.csv"
    with path.open(newline="") as handle:
        return [
            ManifestRow(row["file_name"], int(row["line_number"]), row["defect"], row["detail"])
            for row in csv.DictReader(handle)
        ]
