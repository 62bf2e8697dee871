"""Vote history carried inside the voters file, turned into rows of `raw.vote_history`.

Three shapes (layouts/registry.py), one way through:

    election_columns  one column per election, the header names it (OH, WI, VT, UT, AZ)
    slots             numbered slot columns, each an election the voter took part in; the election
                      in a date or label cell, or by slot number in a per-county election map (PA)
    history_string    one column listing the elections (NY)

The voters file is read a second time, every field as text (so every line the typed read accepted
is accepted again), its rows numbered the way stage.py numbers them, and only the records that were
loaded (same line, same voter id) give history: a quarantined or superseded record gives none.
Elections are read from header names and labels by `lib.elections.read_election` (a few hundred
distinct texts, in Python); the cells (millions) are unpivoted and decoded in SQL. Every history row
keeps the voter's line number and the voters file's name.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from voter_platform.layouts.registry import ElectionColumns, HistoryString, Slots
from voter_platform.lib.elections import Election, read_election, untyped_election_type_sql
from voter_platform.lib.ingest.duck import first, run, scalar
from voter_platform.lib.ingest.formats import FileLayout
from voter_platform.lib.ingest.lines import drop_numbered_records, fields_as_columns, read_numbered_records
from voter_platform.lib.ingest.records import _decode, _trimmed
from voter_platform.lib.ingest.stage import Target
from voter_platform.lib.ingest.together import LineMap
from voter_platform.lib.sql import sql_string, sql_tuple

DERIVED_KINDS = ("election_columns", "slots", "history_string")


@dataclass
class DerivedHistory:
    rows: int = 0
    flags: dict[str, int] = field(default_factory=dict)


def carries_history(layout: FileLayout) -> bool:
    return layout.spec.history is not None and layout.spec.history.kind in DERIVED_KINDS


def derive_history(
    connection: duckdb.DuckDBPyConnection,
    layout: FileLayout,
    read_path: Path,
    encoding: str,
    physical_lines: int,
    voters: Target,
    work_table: str,
    election_map: str | None = None,
    lines: LineMap | None = None,
    kept_records: str | None = None,
    glued_cells: str | None = None,
) -> list[DerivedHistory]:
    """Insert the history rows of a loaded voters file, or of the parts of a product read together
    (`lines`, read as `voters.file_name`); returns how many per file, with their flag counts, in the
    order of `lines.parts`. `kept_records`: the voters read's records, numbered, kept by stage.py
    (else the file is read again); dropped here. `glued_cells`: the cells of the records recovered from
    glued lines (keep_glued_cells), which no read of the file's records has; dropped here."""
    lines = lines or LineMap.whole_file(voters.file_name, physical_lines)
    history = layout.spec.history
    records = kept_records or f"{work_table}_cells"
    if kept_records is None:
        read_numbered_records(connection, layout, read_path, encoding, physical_lines, records, history_fields(layout))
    cells = records
    if glued_cells:
        # A glued line's records replace what a read made of the line (nothing, or the first record's
        # fields, split line by line).
        cells = f"{work_table}_with_glued"
        run(
            connection,
            f"""create or replace temp view {cells} as
            select * from {records} where line_number not in (select line_number from {glued_cells})
            union all by name select * from {glued_cells}""",
        )
    product = {"partition_date": voters.partition_date, "source_id": voters.source_id}
    of_product = (
        f"partition_date = $partition_date and source_id = $source_id and file_name in {sql_tuple(lines.file_names)}"
    )
    # The loaded voters numbered as the read is: a file's own rows, or the parts' rows (which have
    # their own file and line by now) at their lines in the concatenation.
    if lines.together:
        loaded_voters = (
            f"select {lines.copy_line_sql('file_name', 'line_number')} as line_number, voter_id "
            f"from raw.voters where {of_product}"
        )
        loaded_params = product
    else:
        loaded_voters = f"select line_number, voter_id from raw.voters where {voters.where}"
        loaded_params = voters.params
    # Votes of loaded voters only: the records are narrowed to them before a record becomes its votes
    # (a join of records, not of the several times more votes).
    loaded = f"{work_table}_loaded_voters"
    run(connection, f"create or replace temp table {loaded} as {loaded_voters}", loaded_params)
    cells_of_voters = f"{work_table}_loaded_cells"
    run(
        connection,
        f"""create or replace temp view {cells_of_voters} as
        select records.* from {cells} records
        semi join {loaded} voters
          on voters.line_number = records.line_number and voters.voter_id = {_voter_id(layout)}""",
    )
    # Whether a record can name one election twice (two columns for it, two slots or items listing it).
    repeats_possible = True
    if isinstance(history, ElectionColumns):
        votes, repeats_possible = _election_column_votes(connection, layout, history, cells_of_voters, work_table)
    elif isinstance(history, Slots):
        last_year = voters.partition_date.year
        votes = _slot_votes(connection, layout, history, cells_of_voters, work_table, election_map, last_year)
        repeats_possible = _slots_can_repeat(connection, history, election_map)
    elif isinstance(history, HistoryString):
        votes = _string_votes(connection, layout, history, cells_of_voters, work_table)
    else:
        raise ValueError(f"{layout.spec.id}: no history in the voters file")
    # A filled cell whose election cannot be told is counted, not loaded.
    staged = f"{work_table}_votes"
    run(connection, f"create or replace temp table {staged} as {votes}")
    run(connection, f"drop view {cells_of_voters}")
    run(connection, f"drop table {loaded}")
    if glued_cells:
        run(connection, f"drop view {cells}")
        run(connection, f"drop table {glued_cells}")
    drop_numbered_records(connection, records)
    unresolved = run(
        connection,
        f"select {lines.part_sql('line_number')}, count(*) from {staged} where election_date is null group by all",
    )
    # One row per voter and election: two columns, slots or items naming the same election count
    # once. A voter's votes all come from one record (a voter id is loaded once per snapshot: repeats
    # in a file or across parts were superseded before this), so only a record can repeat an
    # election. The window costs seconds at millions of votes: it runs only when some record does.
    if repeats_possible and _has_repeated_elections(connection, staged):
        run(
            connection,
            f"""
            create or replace temp table {staged} as select * from {staged}
            where election_date is not null
            qualify row_number() over (
                partition by voter_id, election_date, election_type order by line_number, slot
            ) = 1
            """,
        )
    # Each row gets its own file and line here (a product's parts were read as one copy).
    run(
        connection,
        f"""
        insert into raw.vote_history by name
        select $partition_date as partition_date, $source_id as source_id,
            {lines.file_name_sql("votes.line_number") if lines.together else "$file_name"} as file_name,
            {lines.own_line_sql("votes.line_number") if lines.together else "votes.line_number"} as line_number,
            votes.voter_id, votes.election_date, votes.election_type, votes.election_label,
            votes.voting_method, votes.party_ballot, votes.quality_flags
        from {staged} votes
        where votes.election_date is not null
        """,
        voters.params if not lines.together else product,
    )
    results = {name: DerivedHistory() for name in lines.file_names}
    for file_name, count in run(
        connection, f"select file_name, count(*) from raw.vote_history where {of_product} group by all", product
    ):
        results[file_name].rows = int(count)
    for file_name, flag, count in run(
        connection,
        f"""select file_name, flag, count(*) from (select file_name, unnest(quality_flags) as flag from raw.vote_history
            where {of_product} and len(quality_flags) > 0) group by all order by all""",
        product,
    ):
        results[file_name].flags[flag] = int(count)
    for index, count in unresolved:
        results[lines.parts[index].file_name].flags["unresolved_history_cells"] = int(count)
    for table in (staged, f"{work_table}_elections"):
        run(connection, f"drop table if exists {table}")
    return [results[name] for name in lines.file_names]


def _has_repeated_elections(connection: duckdb.DuckDBPyConnection, staged: str) -> bool:
    return bool(
        first(
            connection,
            f"""select 1 from {staged} where election_date is not null
                group by line_number, election_date, election_type having count(*) > 1 limit 1""",
        )
    )


def _slots_can_repeat(connection: duckdb.DuckDBPyConnection, history: Slots, election_map: str | None) -> bool:
    """Whether two slots of a record can name one election. Not when the election map alone names
    them (one group of slots, no date or label cells) and gives no county two entries of one date."""
    if not history.lookup or not election_map or len(history.groups) > 1:
        return True
    if {"election_date", "election_label"} & set(history.groups[0].columns):
        return True
    return bool(
        first(connection, f"select 1 from {election_map} group by county, election_date having count(*) > 1 limit 1")
    )


def keep_glued_cells(connection: duckdb.DuckDBPyConnection, staging: str, layout: FileLayout, table: str) -> str | None:
    """CREATE `table` (line_number, history_fields) of the records stage.py recovered from glued lines
    (their parts), for derive_history: a read of the file's records refuses a glued line or splits it
    as one record, so without these the recovered voters would lose their votes. None when there are none."""
    recovered = f"from {staging} where part > 0 and line_kind = 'record'"
    if layout.spec.is_fixed_width or not scalar(connection, f"select count(*) {recovered}"):
        return None
    columns = fields_as_columns("part_fields", layout.field_count)
    fields = ", ".join(dict.fromkeys(history_fields(layout)))
    run(
        connection,
        f"create or replace temp table {table} as "
        f"select line_number, {fields} from (select line_number, {columns} {recovered})",
    )
    return table


def history_fields(layout: FileLayout) -> list[str]:
    """What a read of the voters file keeps for the history (SELECT items over its fields c1..cN): the
    voter id, the county (election maps are per county) and the history's own columns; a slot layout's
    slots as one list of the filled ones (`FILLED_SLOTS`)."""
    history = layout.spec.history
    positions = [layout.source_position("voter_id"), layout.source_position("county")]
    if isinstance(history, ElectionColumns):
        positions += [position for name, position in layout.positions.items() if read_election(name, history.columns)]
    elif isinstance(history, HistoryString):
        positions.append(layout.positions[history.column.lower()])
    fields = [f"c{position}" for position in positions if position is not None]
    if isinstance(history, Slots):
        fields.append(f"{_filled_slots(layout, history)} as {FILLED_SLOTS}")
    return fields


# A slot layout's record as kept: the slots with a cell, as read (most slots of most records are
# empty; unnesting every slot of every record cost seconds at a million voters).
FILLED_SLOTS = "filled_slots"
_SLOT_CELLS = ("election_date", "election_label", "voting_method", "party_ballot")


def _slot_cells(history: Slots) -> list[str]:
    """The cells a slot of this layout can have (a group may lack some: PA's slots have no date)."""
    return [column for column in _SLOT_CELLS if any(column in group.columns for group in history.groups)]


def _filled_slots(layout: FileLayout, history: Slots) -> str:
    """A list of the record's slots with some cell not NULL: struct (grp, slot, and `_slot_cells`),
    the cells untrimmed."""
    cells = _slot_cells(history)
    structs = []
    for group_index, group in enumerate(history.groups):
        numbers = group.numbers or tuple(str(n) for n in range(1, group.count + 1))
        for slot, number in enumerate(numbers, start=1):
            parts = [f"grp := {group_index}", f"slot := {slot}"]
            for column in cells:
                template = group.columns.get(column)
                position = layout.positions.get(template.replace("{n}", number).lower()) if template else None
                parts.append(f"{column} := {f'c{position}' if position else 'null::varchar'}")
            structs.append("struct_pack(" + ", ".join(parts) + ")")
    filled = " or ".join(f"s.{column} is not null" for column in cells)
    return f"list_filter([{', '.join(structs)}], lambda s: {filled})"


def _voter_id(layout: FileLayout) -> str:
    position = layout.source_position("voter_id")
    return _trimmed(f"c{position}")


def _elections_table(connection: duckdb.DuckDBPyConnection, table: str, elections: dict[str, Election | None]) -> None:
    """A table of the elections `texts` name: (text, election_date, election_type, election_label, flags)."""
    rows = [
        (text, election.date, election.type, election.label, list(election.flags))
        for text, election in elections.items()
        if election is not None
    ]
    run(
        connection,
        f"create or replace temp table {table} (text varchar, election_date date, election_type varchar, "
        "election_label varchar, flags varchar[])",
    )
    if rows:
        connection.executemany(f"insert into {table} values (?, ?, ?, ?, ?)", rows)


def _election_column_votes(
    connection: duckdb.DuckDBPyConnection, layout: FileLayout, history: ElectionColumns, cells: str, work_table: str
) -> tuple[str, bool]:
    """SELECT (line_number, slot, voter_id, election..., voting_method, party_ballot, quality_flags),
    and whether two columns name the same election."""
    columns = {
        position: read_election(name, history.columns)
        for name, position in layout.positions.items()
        if read_election(name, history.columns) is not None
    }
    elections = f"{work_table}_elections"
    _elections_table(connection, elections, {str(position): election for position, election in columns.items()})
    if not columns:
        return _no_votes(), False
    named = [(election.date, election.type) for election in columns.values()]
    positions = sorted(columns)
    cell_list = "[" + ", ".join(f"c{position}" for position in positions) + "]"
    slot_list = "[" + ", ".join(f"'{position}'" for position in positions) + "]"
    return (
        f"""
        with unpivoted as (
            select line_number, {_voter_id(layout)} as voter_id,
                unnest({cell_list}) as cell, unnest({slot_list}) as slot
            from {cells}
        ),
        cast_votes as (
            select line_number, voter_id, slot, upper(trim(cell)) as cell from unpivoted
            where cell is not null and trim(cell) <> '' and upper(trim(cell)) not in ({_not_voted(history)})
        )
        select line_number, slot::integer as slot, voter_id, e.election_date, e.election_type, e.election_label,
            {_cell_meaning(layout, history)}
        from cast_votes join {elections} e on e.text = cast_votes.slot
    """,
        len(set(named)) < len(named),
    )


def _not_voted(history: ElectionColumns) -> str:
    values = [cell.upper() for cell, meaning in history.cells.items() if not meaning.voted] or ["''"]
    return ", ".join(sql_string(value) if value != "''" else value for value in values)


def _cell_meaning(layout: FileLayout, history: ElectionColumns) -> str:
    """voting_method, party_ballot and quality_flags of a voted cell (`cell`, upper case)."""
    known = {cell.upper(): meaning for cell, meaning in history.cells.items() if meaning.voted}

    def lookup(column: str) -> str:
        pairs = [(cell, getattr(meaning, column)) for cell, meaning in known.items() if getattr(meaning, column)]
        if not pairs:
            return "null"
        branches = " ".join(f"when {sql_string(cell)} then {sql_string(value)}" for cell, value in pairs)
        return f"case cell {branches} end"

    listed = ", ".join(sql_string(cell) for cell in known) or "null"
    if history.cell_pattern:
        pattern = sql_string(history.cell_pattern)
        method = _decode(layout, "voting_method", _named_group(history.cell_pattern, "voting_method"))
        party = _decode(layout, "party_ballot", _named_group(history.cell_pattern, "party_ballot"))
        unknown = f"cell not in ({listed}) and not regexp_matches(cell, {pattern})"
        return f"""
            coalesce({lookup("voting_method")}, {method}) as voting_method,
            coalesce({lookup("party_ballot")}, {party}) as party_ballot,
            case when {unknown} then list_append(e.flags, 'unknown_history_cell') else e.flags end as quality_flags
        """
    return f"""
        {lookup("voting_method")} as voting_method, {lookup("party_ballot")} as party_ballot,
        case when cell not in ({listed}) then list_append(e.flags, 'unknown_history_cell') else e.flags end
            as quality_flags
    """


def _named_group(pattern: str, group: str) -> str:
    """The SQL of a named group of `pattern` matched against `cell` (NULL when empty or absent).

    DuckDB's regexp_extract takes a group by number (a string third argument would be read as regex
    options), so the name is turned into its number here."""
    number = re.compile(pattern).groupindex.get(group)
    if number is None:
        return "null::varchar"
    return f"nullif(trim(regexp_extract(cell, {sql_string(pattern)}, {number})), '')"


def _no_votes() -> str:
    return """
        select null::bigint as line_number, null::integer as slot, null::varchar as voter_id,
            null::date as election_date, null::varchar as election_type, null::varchar as election_label,
            null::varchar as voting_method, null::varchar as party_ballot, null::varchar[] as quality_flags
        where false
    """


def _slot_votes(
    connection: duckdb.DuckDBPyConnection,
    layout: FileLayout,
    history: Slots,
    cells: str,
    work_table: str,
    election_map: str | None,
    last_year: int,
) -> str:
    """One row per filled slot: its election from its date cell, its label cell or the election map;
    a dated slot nothing types is typed by the calendar (lib/elections.untyped_election_type)."""
    county = _trimmed(f"c{layout.source_position('county')}") if layout.source_position("county") else "null::varchar"
    kept = _slot_cells(history)
    trimmed = ", ".join(
        f"{column} := {_trimmed(f'r.{column}') if column in kept else 'null::varchar'}" for column in _SLOT_CELLS
    )
    # The kept slots, one row each, their cells trimmed ('' as NULL).
    filled = f"""
        select line_number, voter_id, county, struct_pack(grp := r.grp, slot := r.slot, {trimmed}) as s
        from (select line_number, {_voter_id(layout)} as voter_id, {county} as county, unnest({FILLED_SLOTS}) as r
              from {cells})
    """
    labels = f"{work_table}_elections"
    label_groups = {index: group for index, group in enumerate(history.groups) if group.election is not None}
    if label_groups:
        texts = [
            row[0]
            for row in run(
                connection,
                f"select distinct s.election_label from ({filled}) "
                f"where s.election_label is not null and s.grp in ({', '.join(str(i) for i in label_groups)})",
            )
        ]
        spec = next(iter(label_groups.values())).election
        _elections_table(connection, labels, {text: read_election(text, spec) for text in texts})
    types = " ".join(
        f"when {index} then {sql_string(group.election_type)}"
        for index, group in enumerate(history.groups)
        if group.election_type
    )
    group_type = f"case s.grp {types} end" if types else "null::varchar"
    date_format = sql_string(layout.spec.date_format)
    joins, election_date, election_type, election_label, flags = (
        "",
        "try_strptime(s.election_date, " + date_format + ")::date",
        group_type,
        "s.election_label",
        "[]::varchar[]",
    )
    if label_groups:
        joins += f" left join {labels} l on l.text = s.election_label"
        election_date = f"coalesce({election_date}, l.election_date)"
        election_type = f"coalesce({group_type}, l.election_type)"
        election_label = "coalesce(l.election_label, s.election_label)"
        flags = "coalesce(l.flags, [])"
    if history.lookup and election_map:
        joins += f" left join {election_map} m on m.county = upper(filled.county) and m.slot = s.slot"
        election_date = f"coalesce({election_date}, m.election_date)"
        election_type = f"coalesce({election_type}, m.election_type)"
        election_label = f"coalesce({election_label}, m.election_label)"
    return f"""
        with filled as ({filled})
        select filled.line_number, s.grp * 1000 + s.slot as slot, filled.voter_id,
            {election_date} as election_date,
            coalesce({election_type}, {untyped_election_type_sql(election_date, last_year)}) as election_type,
            {election_label} as election_label,
            {_decode(layout, "voting_method", "s.voting_method")} as voting_method,
            {_decode(layout, "party_ballot", "s.party_ballot")} as party_ballot,
            {flags} as quality_flags
        from filled {joins}
        where coalesce(s.election_date, s.election_label, s.voting_method, s.party_ballot) is not null
    """


def _string_votes(
    connection: duckdb.DuckDBPyConnection, layout: FileLayout, history: HistoryString, cells: str, work_table: str
) -> str:
    """One row per item of the history string, its election read from the item's label."""
    position = layout.positions[history.column.lower()]
    items = f"""
        select line_number, {_voter_id(layout)} as voter_id,
            unnest(string_split(c{position}, {sql_string(history.separator)})) as item,
            generate_subscripts(string_split(c{position}, {sql_string(history.separator)}), 1) as slot
        from {cells} where c{position} is not null
    """
    texts = [row[0] for row in run(connection, f"select distinct trim(item) from ({items}) where trim(item) <> ''")]
    elections = f"{work_table}_elections"
    _elections_table(connection, elections, {text: read_election(text, history.items) for text in texts})
    return f"""
        select i.line_number, i.slot::integer as slot, i.voter_id, e.election_date, e.election_type, e.election_label,
            null::varchar as voting_method, null::varchar as party_ballot, e.flags as quality_flags
        from ({items}) i join {elections} e on e.text = trim(i.item)
    """
