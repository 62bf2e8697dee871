"""Multi-part deliveries: several files that together are one snapshot of a state.

Per-county files (FL's 67, TX's 254), county-range files (OH's four), numbered parts (IA): the
layout's `parts` says how to read a file's part from its name and which parts make a whole delivery.
A missing part is named in the snapshot's message. A voter (or vote) found in two parts is kept once,
the other copy recorded in raw.superseded_records as `in_another_part` with the file and line kept.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from pathlib import PurePosixPath

import duckdb

from voter_platform.layouts.registry import VOTER, Parts
from voter_platform.lib.ingest.dedup import DEDUP_KEYS
from voter_platform.lib.ingest.duck import run
from voter_platform.lib.ingest.formats import FileLayout
from voter_platform.lib.ingest.records import raw_table

IN_ANOTHER_PART = "in_another_part"


def part_of(layout: FileLayout, file_name: str) -> str | None:
    """The part a file is (county code, number, range), from its name; None when not a part."""
    parts = layout.spec.parts
    if parts is None:
        return None
    found = re.search(parts.file_name, PurePosixPath(file_name).name, re.IGNORECASE)
    return found["part"].upper() if found and found.groupdict().get("part") else None


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
