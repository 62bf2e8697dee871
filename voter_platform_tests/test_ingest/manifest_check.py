"""Compare what the ingest did with a file against its defect manifest (the generator's contract).

`manifest_problems(connection, data_file)` returns a list of human-readable problems (empty when
every line ended where the contract says): a manifest line's defect decides its expected fate, and
every line the manifest does not mention must be loaded exactly once. Works on any file that has a
manifest: the fixtures of defect_files.py today, generated files tomorrow.
"""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime
from pathlib import Path

import duckdb

from voter_platform.generate.config import DEFECT_KINDS
from voter_platform.lib.ingest.formats import VOTER, detect_layout
from voter_platform.lib.ingest.prepass import read_header_line, utf16_variant
from voter_platform_tests.test_ingest.defect_files import ManifestRow, read_manifest

# A blank required field quarantines the record: the voter id always, the state only in a file of
# several states (a single-state file knows its state), a history row's election date.
REQUIRED = {
    VOTER: {"voter_id": "missing_voter_id", "state": "missing_state"},
    "vote_history": {
        "voter_id": "missing_voter_id",
        "state": "missing_state",
        "election_date": "missing_election_date",
    },
}
LINE_DEFECTS = {*DEFECT_KINDS, "cut_short"}  # every defect the generator injects, and a file cut short
# The generator's real-file traits (the `realistic` profile): real voters, loaded (a value nulled and
# flagged where it is implausible), and records cut short with the next record or the header run in.
REAL_FILE_TRAITS = {
    "removed_voter",
    "denied_voter",
    "confidential_voter",
    "placeholder_date",
    "registered_on_birth_date",
    "registered_before_age_16",
    "truncated_record",
    "record_after_truncated",
    "header_after_truncated",
}
KNOWN_DEFECTS = LINE_DEFECTS | REAL_FILE_TRAITS
_STATUS_OF_TRAIT = {"removed_voter": "REMOVED", "denied_voter": "DENIED"}


def date_flags(column: str) -> set[str]:
    """Flags that mean "this date is implausible" (the voter is loaded, the date nulled)."""
    flags = {f"{column}_after_snapshot", f"{column}_before_1900", f"unparseable_{column}", f"placeholder_{column}"}
    if column in ("registered_date", "birth_date"):
        flags.add("registration_before_age_16")
    if column == "birth_date":
        flags.add("age_out_of_range")
    return flags


def date_reasons(column: str) -> set[str]:
    """Quarantine reasons of a vote-history row whose election date is unusable."""
    return {f"{column}_after_snapshot", f"{column}_before_1900", f"unparseable_{column}"}


def manifest_problems(connection: duckdb.DuckDBPyConnection, data_file: Path) -> list[str]:
    manifest = read_manifest(data_file)
    layout = detect_layout(read_header_line(data_file), data_file.name)
    kind = layout.spec.record_kind
    canonical_of = {
        name: source.canonical[0] for source in layout.spec.fields if source.canonical for name in source.names
    }
    required = dict(REQUIRED[kind])
    if layout.file_state is not None:
        del required["state"]
    outcome = _Outcome(connection, data_file.name, kind)
    problems: list[str] = []
    involved: set[int] = {1}
    for row in manifest:
        involved.add(row.line_number)
        if row.defect in ("exact_duplicate", "conflicting_duplicate") and row.detail.isdigit():
            involved.add(int(row.detail))
        if row.defect == "quoted_line_break":
            problem = _check_line_break(row, canonical_of, outcome, data_file, layout.spec.text.delimiter)
            involved.update(range(row.line_number, row.line_number + len(record_lines(data_file, row.line_number))))
        else:
            problem = _check_row(row, kind, canonical_of, required, outcome, data_file, layout.spec.text.delimiter)
        if problem:
            problems.append(f"line {row.line_number} ({row.defect} {row.detail}): {problem}")
    for line in range(2, outcome.lines_read(data_file) + 1):
        if line in involved:
            continue
        if outcome.loaded(line) != 1 or line in outcome.quarantined or line in outcome.superseded:
            problems.append(
                f"line {line} (no defect): expected loaded once, got loaded={outcome.loaded(line)} "
                f"quarantined={outcome.quarantined.get(line)} superseded={outcome.superseded.get(line)}"
            )
    return problems


class _Outcome:
    """Where each line of one file ended up in the raw tables."""

    def __init__(self, connection: duckdb.DuckDBPyConnection, file_name: str, kind: str):
        table = "raw.voters" if kind == VOTER else "raw.vote_history"
        self.table = table
        self.connection = connection
        self.file_name = file_name
        # line -> the quality flags of each record loaded from it (two for a split glued line)
        self.flags: dict[int, list[list[str]]] = {}
        rows = connection.execute(
            f"select line_number, quality_flags from {table} where file_name = ? order by line_number", [file_name]
        ).fetchall()
        for line, flags in rows:
            self.flags.setdefault(line, []).append(list(flags or []))
        self.quarantined: dict[int, set[str]] = {}
        self.quarantined_ids: dict[int, dict[str, str]] = {}  # line -> voter id -> its (first) reason
        for line, reasons, voter_id in connection.execute(
            "select line_number, reasons, voter_id from raw.quarantine where file_name = ?", [file_name]
        ).fetchall():
            self.quarantined.setdefault(line, set()).update(reasons)
            if voter_id:
                self.quarantined_ids.setdefault(line, {})[voter_id] = reasons[0]
        self.superseded = {
            line: (reason, kept)
            for line, reason, kept in connection.execute(
                "select line_number, reason, kept_line_number from raw.superseded_records where file_name = ?",
                [file_name],
            ).fetchall()
        }

    def loaded(self, line: int) -> int:
        """How many records of this line were loaded."""
        return len(self.flags.get(line, []))

    def lines_read(self, data_file: Path) -> int:
        data = data_file.read_bytes()
        utf16 = utf16_variant(data[:1024], None if not data.startswith(b"\xff\xfe") else "utf-16-le")
        if utf16:  # count characters, not bytes: a UTF-16 line ends in "\n\0"
            text = data.decode("utf-16" if data.startswith(b"\xff\xfe") else utf16)
            return text.count("\n") + (0 if text.endswith("\n") else 1)
        return data.count(b"\n") + (0 if data.endswith(b"\n") else 1)

    def value(self, line: int, column: str):
        values = self.values(line, column)
        return values[0] if values else None

    def values(self, line: int, column: str) -> list:
        """The column of each record loaded from the line (two for a split glued line), in order."""
        rows = self.connection.execute(
            f"select {column} from {self.table} where file_name = ? and line_number = ? order by rowid",
            [self.file_name, line],
        ).fetchall()
        return [row[0] for row in rows]

    @staticmethod
    def raw_line(data_file: Path, line: int) -> str:
        """The line's text with quotes removed (NC files quote every value)."""
        return data_file.read_bytes().split(b"\n")[line - 1].decode("latin-1").replace('"', "")


def record_lines(data_file: Path, line: int) -> list[bytes]:
    """The physical lines of the record that starts on `line`: more than one while a quote is left open."""
    lines = data_file.read_bytes().split(b"\n")
    record = [lines[line - 1]]
    while b"\n".join(record).count(b'"') % 2:
        record.append(lines[line - 1 + len(record)])
    return record


def _check_line_break(
    row: ManifestRow, canonical_of: dict[str, str], outcome: _Outcome, data_file: Path, delimiter: str
) -> str | None:
    """A value with a line break inside its quotes: the record is loaded once, on its first line, flagged
    line_break_in_value, the value read with a space for the break; its other lines are neither loaded
    nor quarantined (they are the record's)."""
    line = row.line_number
    record = record_lines(data_file, line)
    if len(record) < 2:
        return f"the record does not run over lines: {record}"
    flags = outcome.flags.get(line, [])
    if len(flags) != 1 or "line_break_in_value" not in flags[0] or line in outcome.quarantined:
        return f"expected loaded once with line_break_in_value, got {flags} {outcome.quarantined.get(line)}"
    for other in range(line + 1, line + len(record)):
        if outcome.loaded(other) or other in outcome.quarantined or other in outcome.superseded:
            return f"its line {other} was also loaded, quarantined or superseded"
    (fields,) = csv.reader(io.StringIO(b"\n".join(record).decode("latin-1"), newline=""), delimiter=delimiter)
    layout = detect_layout(read_header_line(data_file), data_file.name)
    if layout.spec.has_header:
        names = next(csv.reader([read_header_line(data_file)], delimiter=delimiter))
    else:
        names = [source.name for source in layout.spec.fields]
    written = fields[[name.lower() for name in names].index(row.detail.lower())]
    if "\n" not in written:
        return f"the value of {row.detail} holds no line break: {written!r}"
    expected = re.sub(r"[ \t]*(?:\r?\n[ \t]*)+", " ", written).strip()
    column = canonical_of.get(row.detail.lower(), row.detail)
    loaded = outcome.value(line, column) or ""
    if expected.upper() not in loaded.upper():
        return f"expected {column} to hold {expected!r} (the break read as a space), got {loaded!r}"
    return None


def _check_row(
    row: ManifestRow,
    kind: str,
    canonical_of: dict[str, str],
    required: dict[str, str],
    outcome: _Outcome,
    data_file: Path,
    delimiter: str,
) -> str | None:
    line = row.line_number
    loaded = outcome.loaded(line)
    reasons = outcome.quarantined.get(line, set())
    if row.defect not in KNOWN_DEFECTS:
        return f"unknown defect kind {row.defect!r}"
    if row.defect == "blank_field":
        column = canonical_of.get(row.detail.lower(), row.detail)
        reason = required.get(column)
        if reason:
            return None if reason in reasons else f"expected quarantined as {reason}, got {reasons or 'loaded'}"
        if loaded != 1:
            return f"a blank optional field should load once, got loaded={loaded} quarantined={reasons}"
        return None
    if row.defect == "state_name":
        state = outcome.value(line, "state") if kind == VOTER else None
        return (
            None
            if loaded == 1 and (kind != VOTER or (state and len(state) == 2))
            else f"expected loaded with a USPS code, got {state!r}, {reasons}"
        )
    if row.defect in ("malformed_email", "trailing_empty_columns"):
        flag = "invalid_email" if row.defect == "malformed_email" else "trailing_empty_columns"
        flags = outcome.flags.get(line, [[]])
        return None if loaded == 1 and flag in flags[0] else f"expected loaded with flag {flag}, got {flags} {reasons}"
    if row.defect == "glued_lines":
        flags = outcome.flags.get(line, [])
        recovered = sum(1 for record_flags in flags if "recovered_from_glued_line" in record_flags)
        if recovered != 2:
            return f"expected both records loaded (recovered_from_glued_line), got {flags} {reasons}"
        text = outcome.raw_line(data_file, line)
        first_id, second_id = outcome.values(line, "voter_id")
        # Both ids are the line's, the second record's after the first's.
        first_at = text.find(first_id)
        if first_at < 0 or second_id not in text[first_at + len(first_id) :]:
            return f"recovered ids {first_id}, {second_id} are not the line's"
        return None
    if row.defect == "impossible_age":
        flags = outcome.flags.get(line, [[]])[0]
        if (
            loaded != 1
            or not set(flags) & {"age_out_of_range", "unparseable_age"}
            or outcome.value(line, "age") is not None
        ):
            return (
                "expected loaded with the age nulled and flagged, "
                f"got flags {flags}, age {outcome.value(line, 'age')}, {reasons}"
            )
        return None
    if row.defect == "impossible_date":
        column = canonical_of.get(row.detail.lower(), row.detail)
        if kind != VOTER:
            return (
                None
                if reasons & date_reasons(column)
                else f"expected quarantined for {column}, got {reasons or 'loaded'}"
            )
        flags = outcome.flags.get(line, [[]])[0]
        if loaded != 1 or not set(flags) & date_flags(column) or outcome.value(line, column) is not None:
            return (
                f"expected loaded with {column} nulled and flagged, "
                f"got flags {flags}, {column} {outcome.value(line, column)}, {reasons}"
            )
        return None
    if row.defect in _STATUS_OF_TRAIT:
        status = outcome.value(line, "registration_status")
        if loaded != 1 or status != _STATUS_OF_TRAIT[row.defect] or reasons:
            return (
                f"expected loaded once as {_STATUS_OF_TRAIT[row.defect]}, got loaded={loaded} status={status} {reasons}"
            )
        return None
    if row.defect == "confidential_voter":
        values = (outcome.value(line, "confidential"), outcome.value(line, "street_address"))
        return (
            None
            if loaded == 1 and values == (True, None)
            else f"expected loaded, confidential, no address: {values} {reasons}"
        )
    if row.defect in ("placeholder_date", "registered_on_birth_date", "registered_before_age_16"):
        flag = "placeholder_registered_date" if row.defect == "placeholder_date" else "registration_before_age_16"
        flags = outcome.flags.get(line, [[]])[0]
        if loaded != 1 or flag not in flags or outcome.value(line, "registered_date") is not None:
            return f"expected loaded with the registration date nulled and {flag}, got {flags} {reasons}"
        return None
    if row.defect == "truncated_record":
        if not row.detail:  # a fixed-width record cut before the end of its voter id
            return None if "truncated_record" in reasons else f"expected quarantined as truncated_record, got {reasons}"
        ids = outcome.quarantined_ids.get(line, {})
        return (
            None
            if ids.get(row.detail) == "truncated_record"
            else f"expected {row.detail} quarantined as truncated_record, got {ids}"
        )
    if row.defect == "record_after_truncated":
        # A line without flags pairs with nothing: the message below then shows what was loaded.
        loaded_ids = dict(zip(outcome.values(line, "voter_id"), outcome.flags.get(line, []), strict=False))
        flags = loaded_ids.get(row.detail)
        return (
            None
            if flags is not None and "recovered_from_glued_line" in flags
            else f"expected {row.detail} recovered, got {loaded_ids}"
        )
    if row.defect == "header_after_truncated":
        return (
            None
            if "repeated_header" in reasons
            else f"expected the header tail quarantined as repeated_header, got {reasons}"
        )
    if row.defect == "cut_short":
        return (
            None
            if reasons & {"wrong_field_count", "truncated_record"}
            else f"expected quarantined as cut short, got {reasons or loaded}"
        )
    if row.defect == "repeated_header":
        return (
            None
            if "repeated_header" in reasons
            else f"expected quarantined as repeated_header, got {reasons or loaded}"
        )
    if row.defect == "non_utf8":
        return (
            None
            if "invalid_encoding" in reasons
            else f"expected quarantined as invalid_encoding, got {reasons or loaded}"
        )
    if row.defect == "exact_duplicate":
        original = int(row.detail)
        superseded = outcome.superseded.get(line)
        if superseded != ("exact_duplicate", original):
            return f"expected superseded as an exact duplicate of line {original}, got {superseded} loaded={loaded}"
        return None if outcome.loaded(original) == 1 else f"the original line {original} is not loaded"
    if row.defect == "conflicting_duplicate":
        other = int(row.detail)
        winner = _expected_winner(data_file, delimiter, line, other)
        loser = other if winner == line else line
        if outcome.loaded(winner) != 1:
            return f"expected line {winner} (newest, else last) loaded, got {outcome.loaded(winner)}"
        if outcome.superseded.get(loser) != ("conflicting_older", winner):
            return f"expected line {loser} superseded by {winner}, got {outcome.superseded.get(loser)}"
        return None
    return None


def _expected_winner(data_file: Path, delimiter: str, line: int, other: int) -> int:
    """Newest updated_at wins; without one (or a tie), the last line in the file."""
    if delimiter is None:  # fixed width: no layout of it has an updated_at
        return max(line, other)
    lines = data_file.read_bytes().decode("latin-1").split("\n")
    header = next(csv.reader([lines[0].strip()], delimiter=delimiter))
    if "updated_at" in header:
        position = header.index("updated_at")
        stamps = {}
        for number in (line, other):
            fields = next(csv.reader([lines[number - 1].strip()], delimiter=delimiter))
            stamps[number] = _timestamp(fields[position])
        if stamps[line] and stamps[other] and stamps[line] != stamps[other]:
            return max(stamps, key=lambda number: stamps[number])
    return max(line, other)


def _timestamp(text: str) -> datetime | None:
    for pattern in ("%Y-%m-%d %H:%M:%S", "%m/%d/%Y %H:%M:%S"):
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None
