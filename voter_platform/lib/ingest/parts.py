"""Multi-part deliveries: several files that together are one snapshot of a state.

Per-county files (FL's 67, TX's 254), county-range files (OH's four), numbered parts (IA): the
layout's `parts` says how to read a file's part from its name and which parts make a whole delivery.
A missing part is named in the snapshot's message. A voter (or vote) found in two parts is kept once,
the other copy recorded in raw.superseded_records as `in_another_part` with the file and line kept.

A state writes every part of a delivery, empty where no record falls in it (a small county with no
voter, or none who voted): a header line only where its layout has one, else no byte at all. Such a
part is a part of the delivery, not a missing one: a file of no byte is recognised by its name
(`empty_part_layout`) and counts no line.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from pathlib import PurePosixPath

import duckdb

from voter_platform.layouts import registry
from voter_platform.layouts.registry import VOTER, HistoryFile, Layout, Parts, Slots
from voter_platform.lib.ingest.dedup import DEDUP_KEYS
from voter_platform.lib.ingest.duck import run
from voter_platform.lib.ingest.formats import FileLayout
from voter_platform.lib.ingest.records import raw_table

IN_ANOTHER_PART = "in_another_part"


def _part_name_match(spec: Layout, file_name: str) -> re.Match[str] | None:
    """The match of the layout's part file-name pattern in the file's name (None: no parts, or no match)."""
    if spec.parts is None:
        return None
    return re.search(spec.parts.file_name, PurePosixPath(file_name).name, re.IGNORECASE)


def part_of(layout: FileLayout, file_name: str) -> str | None:
    """The part a file is (county code, number, range), from its name; None when not a part."""
    found = _part_name_match(layout.spec, file_name)
    return found["part"].upper() if found and found.groupdict().get("part") else None


def named_as_part(spec: Layout, file_name: str) -> bool:
    """Whether `file_name` is named as a part of the layout's deliveries."""
    return _part_name_match(spec, file_name) is not None


def empty_part_layout(file_name: str, recognised: list[FileLayout], state_hint: str | None) -> FileLayout | None:
    """The layout of an empty file (no byte, so no header or record to tell it by) that is a part of a
    delivery: the one layout, among those the run's other files were recognised as (and their history
    files and election maps), whose parts are named as this file is; else, in a state's landing folder
    (`state_hint`), the one layout of that state whose parts are. None when no layout, or several, fit."""
    by_id: dict[str, FileLayout | Layout] = {}
    for found in recognised:
        by_id[found.spec.id] = found
        for companion in _companions(found.spec):
            by_id.setdefault(companion.id, companion)
    fits = [item for item in by_id.values() if named_as_part(_spec(item), file_name)]
    if not fits and state_hint is not None:
        of_state = [spec for spec in registry.layouts().values() if spec.state == state_hint]
        fits = [spec for spec in of_state if named_as_part(spec, file_name)]
    if len(fits) != 1:
        return None
    (fit,) = fits
    if isinstance(fit, FileLayout):
        return replace(fit, has_header_line=False, variant=f"an empty part, as {fit.variant}")
    names = tuple(source.name.lower() for source in fit.fields)
    return FileLayout(
        fit,
        names,
        {name: position for position, name in enumerate(names, start=1)},
        len(names),
        "an empty part",
        fit.state,
        fit.recognise.line_length[0] if fit.is_fixed_width and fit.recognise.line_length else None,
        has_header_line=False,
    )


def _companions(spec: Layout) -> list[Layout]:
    """The layouts delivered with a voters layout's files: its history file and election map."""
    history = spec.history
    ids = [history.layout] if isinstance(history, HistoryFile) else []
    if isinstance(history, (HistoryFile, Slots)) and history.lookup:
        ids.append(history.lookup)
    return [registry.layout(layout_id) for layout_id in ids]


def _spec(item: FileLayout | Layout) -> Layout:
    return item.spec if isinstance(item, FileLayout) else item


def missing_parts(layout: FileLayout, found: list[str]) -> list[str]:
    """The parts of a whole delivery that are not among `found`."""
    parts: Parts | None = layout.spec.parts
    if parts is None or not found:
        return []
    have = {part.upper() for part in found}
    if parts.expected == "county_codes":
        table = layout.spec.code_table("county") or {}
        return sorted(code for code in table if code.upper() not in have)
    if parts.expected == "numbers":
        numbers = sorted(int(part) for part in have if part.isdigit())
        return [str(number) for number in range(1, numbers[-1] + 1) if number not in numbers] if numbers else []
    return [part for part in parts.expected if part.upper() not in have]


def describe_missing(missing: list[str], listed: int = 10) -> str:
    names = ", ".join(missing[:listed]) + (f" and {len(missing) - listed} more" if len(missing) > listed else "")
    return f"{len(missing)} part{'s' if len(missing) != 1 else ''} of the delivery missing: {names}"


@dataclass(frozen=True)
class PartDuplicate:
    file_name: str
    line_number: int
    voter_id: str
    kept_file_name: str
    kept_line_number: int


def supersede_across_parts(
    connection: duckdb.DuckDBPyConnection, partition_date: date, source_id: str, record_kind: str
) -> list[PartDuplicate]:
    """Keep one copy of a record found in several parts of a snapshot; return the others (removed
    from the raw table and recorded). The newest updated_at wins, then the later file, then the
    later line."""
    keys = DEDUP_KEYS[record_kind]
    table = raw_table(record_kind)
    newest = "updated_at" if record_kind == VOTER else "null::timestamp"
    partition = ", ".join(keys)
    same_key = " and ".join(f"candidates.{key} is not distinct from repeated.{key}" for key in keys)
    params = {"partition_date": partition_date, "source_id": source_id}
    rows = run(
        connection,
        f"""
        with of_snapshot as (
            select file_name, line_number, {partition}, {newest} as newest
            from {table} where partition_date = $partition_date and source_id = $source_id
        ),
        -- A record in two parts has its voter in two parts: one aggregation over the voter alone (usually
        -- finding none) narrows the rows before the wider one over every key (5x faster on 4.5M votes).
        voters_in_parts as (
            select voter_id from of_snapshot group by voter_id having min(file_name) <> max(file_name)
        ),
        candidates as (
            select * from of_snapshot semi join voters_in_parts
            on of_snapshot.voter_id is not distinct from voters_in_parts.voter_id
        ),
        -- The keys in more than one file; only their rows are ranked.
        repeated as (
            select {partition} from candidates group by all having min(file_name) <> max(file_name)
        ),
        copies as (
            select file_name, line_number, {", ".join(f"candidates.{key}" for key in keys)}, newest
            from candidates join repeated on {same_key}
        ),
        ranked as (
            select *, first_value(struct_pack(file := file_name, line := line_number)) over (
                partition by {partition}
                order by newest desc nulls last, file_name desc, line_number desc
            ) as kept
            from copies
        )
        select file_name, line_number, voter_id, kept.file, kept.line,
            [{", ".join(f"{key}::varchar" for key in keys)}]
        from ranked
        where not (file_name = kept.file and line_number = kept.line)
        order by file_name, line_number
        """,
        params,
    )
    losers = [PartDuplicate(*row[:5]) for row in rows]
    if not losers:
        return losers
    key_match = " and ".join(f"{key}::varchar = ?" for key in keys)
    connection.executemany(
        f"delete from {table} where partition_date = ? and source_id = ? and file_name = ? and line_number = ? "
        f"and {key_match}",
        [(partition_date, source_id, row[0], row[1], *row[5]) for row in rows],
    )
    connection.executemany(
        """insert into raw.superseded_records
           (partition_date, source_id, file_name, line_number, record_kind, voter_id, kept_line_number, reason,
            kept_file_name)
           values (?, ?, ?, ?, ?, ?, ?, ?, ?)""",
        [
            (
                partition_date,
                source_id,
                loser.file_name,
                loser.line_number,
                record_kind,
                loser.voter_id,
                loser.kept_line_number,
                IN_ANOTHER_PART,
                loser.kept_file_name,
            )
            for loser in losers
        ],
    )
    return losers
