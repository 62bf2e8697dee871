"""Injecting the integrity problems real voter files have, and recording exactly where they are.

Defects are applied to the serialised lines of a chunk, after the clean text is written, so each one
is precisely what a reader of the file would see: a blank field, a state written in full, an
impossible date, a duplicate or conflicting record, two records glued on one line, a record cut
short and glued to the next record or to the header, a header repeated mid-file, trailing empty
columns, bytes that are not UTF-8 (in text that is recognisably UTF-8, see `_keep_utf8_evidence`),
an address typed with a line break inside its quotes (one record over two physical lines).
A fixed-width line (formats.Layout.spans) has its fields cut at their positions and set padded to
their widths; a record is cut inside a field, never where one ends (a legal record without its
trailing blank fields). Each affected physical line is listed in the manifest
(`file_name,line_number,defect,detail`, 1 = header) with its detail: the column touched, the line a
duplicate repeats, or a voter id; a record over two lines is listed at its first line (the next is
its continuation, not listed).

The record traits the format builders decided (removed, denied, confidential voters, placeholder and
implausible dates: formats.TRAIT_CODES) arrive as one code per rendered row; they are listed too,
at the line each row ends up on, and no defect is put on their lines. A line carries at most one
defect or trait, except a truncated line, which has one row per part (config.TRUNCATED_PARTS).

Only the few affected lines are touched in Python; line boundaries are found with numpy and the rest
of the chunk is copied as a handful of slices. Trait rows stay numpy arrays up to the manifest.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

import numpy as np

from voter_platform.generate import reference
from voter_platform.generate.config import DEFECT_KINDS, TRUNCATED_KINDS
from voter_platform.generate.formats import TRAIT_CODES, Layout
from voter_platform.generate.names import ACCENTED_FIRST, LAST

# How far (in lines) a duplicate may sit from the record it repeats, within a chunk.
DUPLICATE_DISTANCE = 40
# Insertion-type defects, applied as extra lines; the rest rewrite a line in place.
_INSERTED = ("exact_duplicate", "conflicting_duplicate", "repeated_header")
_MALFORMED_EMAILS = (
    lambda email: email.replace("@", ""),  # no @ at all
    lambda email: email.replace("@", "@@"),  # two of them
    lambda email: email.split("@")[0] + "@",  # no domain
    lambda email: email.split("@")[0] + "@" + email.split("@")[1].replace(".", ""),  # domain without a dot
    lambda email: email.replace("@", " @"),  # a space inside
)
_IMPOSSIBLE_AGES = ("-1", "0", "3", "9", "12", "131", "142", "157", "205")
_IMPOSSIBLE_MONTH_DAYS = (("02", "30"), ("02", "31"), ("04", "31"), ("13", "05"), ("00", "12"))


@dataclass(frozen=True)
class ManifestRow:
    line_number: int
    defect: str
    detail: str


@dataclass
class _Insert:
    defect: str
    text: bytes
    detail: str = ""
    detail_row: int | None = None  # resolved to that row's line number once it is placed


@dataclass
class _ChunkPlan:
    replaced: dict[int, tuple[bytes, str, str]] = field(default_factory=dict)  # row -> (line, defect, detail)
    glued: set[int] = field(default_factory=set)  # row i is glued to row i + 1
    inserted_before: dict[int, list[_Insert]] = field(default_factory=dict)
    anchors: set[int] = field(default_factory=set)  # rows whose line numbers are referenced
    # row -> (kind, bytes of the row kept): row i cut short, then row i + 1 or the header on its line
    truncated: dict[int, tuple[str, int]] = field(default_factory=dict)


# Defects drawn per line by the injector; the other traits are decided by the format builders.
_LINE_KINDS = (*DEFECT_KINDS, *TRUNCATED_KINDS)
_DATE_TRAITS = ("placeholder_date", "registered_on_birth_date", "registered_before_age_16")


class DefectInjector:
    """Applies a file's defects chunk by chunk; `rows` collects the manifest's defect rows and
    `trait_lines` / `trait_codes` its trait rows (see `manifest`)."""

    def __init__(self, layout: Layout, rates: dict[str, float], rng: np.random.Generator, as_of: date) -> None:
        self.layout = layout
        carried = set(layout.defect_kinds) | set(layout.trait_kinds)
        self.rates = {
            kind: rate for kind, rate in rates.items() if rate > 0 and kind in carried and kind in _LINE_KINDS
        }
        self.rng = rng
        self.as_of = as_of
        self.rows: list[ManifestRow] = []
        self.trait_lines: list[np.ndarray] = []
        self.trait_codes: list[np.ndarray] = []
        self._delimiter = layout.delimiter.encode()
        self._header = layout.header().rstrip(b"\n")

    def apply(
        self, data: bytes, first_line: int, traits: np.ndarray | None = None, line_count: int | None = None
    ) -> tuple[bytes, int]:
        """The chunk's text with its defects, and its number of lines. `first_line` = its first line's number;
        `traits` = the trait code of each rendered row (formats.TRAIT_CODES), or None; `line_count`, when
        the caller knows it (one line per rendered row), saves counting the chunk's newlines."""
        if line_count is None:
            line_count = data.count(b"\n")
        counts = {kind: int(self.rng.binomial(line_count, rate)) for kind, rate in self.rates.items()}
        trait_rows = np.flatnonzero(traits) if traits is not None else np.zeros(0, dtype=np.int64)
        if not any(counts.values()):
            self._add_traits(first_line + trait_rows, traits, trait_rows)
            return data, line_count
        lines = _Lines(data)
        plan = self._plan(lines, counts, trait_rows, first_line)
        return self._assemble(lines, plan, first_line, traits, trait_rows)

    @property
    def count(self) -> int:
        """Manifest rows so far."""
        return len(self.rows) + sum(len(lines) for lines in self.trait_lines)

    def _add_traits(self, line_numbers: np.ndarray, traits: np.ndarray | None, rows: np.ndarray) -> None:
        if len(rows):
            self.trait_lines.append(np.asarray(line_numbers, dtype=np.int64))
            self.trait_codes.append(traits[rows])

    # -- planning ---------------------------------------------------------------------------------

    def _plan(self, lines: _Lines, counts: dict[str, int], trait_rows: np.ndarray, first_line: int) -> _ChunkPlan:
        reserved = trait_rows
        if first_line == 1 and not self.layout.header_line:
            # A headerless file is recognised by its first record (its length, or its fields' count and
            # looks): it stays whole.
            reserved = np.union1d(trait_rows, [0])
        if len(reserved):
            # Defects go on other lines: a line carries one defect or trait.
            free = np.setdiff1d(np.arange(len(lines)), reserved, assume_unique=True)
            total = min(sum(counts.values()), len(free))
            picks = free[self.rng.choice(len(free), size=total, replace=False)]
        else:
            total = min(sum(counts.values()), len(lines))
            picks = self.rng.choice(len(lines), size=total, replace=False)
        kinds = [kind for kind, count in counts.items() for _ in range(count)][:total]
        plan = _ChunkPlan()
        taken = {int(row) for row in picks} | set(reserved.tolist())
        glue_rows, cut_rows = [], []
        for row, kind in zip((int(row) for row in picks), kinds, strict=True):
            if kind == "glued_lines" and self.layout.is_fixed_width and self.rng.random() < 0.5:
                # A lost newline in a fixed-width file, half the time after a record cut short (mid-field).
                cut_rows.append((row, "truncated_then_record"))
            elif kind == "glued_lines":
                glue_rows.append(row)
            elif kind in TRUNCATED_KINDS:
                cut_rows.append((row, kind))
            elif kind in _INSERTED:
                self._plan_insert(plan, lines, row, kind)
            else:
                replacement = self._rewrite(lines[row], kind)
                if replacement is not None:
                    plan.replaced[row] = (replacement[0], kind, replacement[1])
        # Glue last: the next line must exist and carry nothing else, and nothing may be inserted between.
        for row in glue_rows:
            neighbour = row + 1
            if neighbour < len(lines) and neighbour not in taken and neighbour not in plan.inserted_before:
                plan.glued.add(row)
                taken.add(neighbour)
        for row, kind in cut_rows:
            neighbour = row + 1
            if kind == "truncated_then_record" and (
                neighbour >= len(lines) or neighbour in taken or neighbour in plan.inserted_before
            ):
                continue
            kept = self._cut_point(lines[row])
            if kept is None:
                continue
            plan.truncated[row] = (kind, kept)
            if kind == "truncated_then_record":
                taken.add(neighbour)
        if self.layout.encoding == "utf-8":
            _keep_utf8_evidence(plan, lines)
        return plan

    def _cut_point(self, line: bytes) -> int | None:
        """How many bytes of a record a cut keeps: its id and delimiter at least, one byte lost at least,
        never inside a multi-byte character. A fixed-width record is cut anywhere inside a field (one
        character kept at least): a line ending where a field ends is a record whose trailing blank
        fields were left off, which real files have."""
        if self.layout.is_fixed_width:
            inside = np.setdiff1d(np.arange(1, len(line)), self.layout.record_lengths)
            return int(inside[self.rng.integers(len(inside))]) if len(inside) else None
        first_delimiter = line.find(self._delimiter)
        if first_delimiter < 0 or first_delimiter + 1 >= len(line):
            return None
        kept = int(self.rng.integers(first_delimiter + 1, len(line)))
        while kept > first_delimiter + 1 and 0x80 <= line[kept] < 0xC0:
            kept -= 1  # a UTF-8 continuation byte: cut before its character
        return kept

    def _record_id(self, line: bytes) -> str:
        """The line's voter id (the first field of a delimited line); '' where a cut left it incomplete."""
        if self.layout.is_fixed_width:
            start, width = self.layout.spans[self.layout.index(self.layout.id_column)]
            if len(line) < start - 1 + width:
                return ""
            return line[start - 1 : start - 1 + width].decode(self.layout.encoding).strip()
        value = line.split(self._delimiter, 1)[0].decode(self.layout.encoding)
        return value[1:-1] if self.layout.quote_all else value

    def _plan_insert(self, plan: _ChunkPlan, lines: _Lines, row: int, kind: str) -> None:
        if kind == "repeated_header":
            plan.inserted_before.setdefault(row, []).append(_Insert(kind, self._header))
        elif kind == "exact_duplicate":
            # A later copy of this line; its detail is this line's number.
            target = min(len(lines), row + int(self.rng.integers(1, DUPLICATE_DISTANCE)))
            plan.inserted_before.setdefault(target, []).append(_Insert(kind, lines[row], detail_row=row))
            plan.anchors.add(row)
        elif kind == "conflicting_duplicate":
            stale = self._stale_version(lines[row])
            if stale is None:
                return
            # An older version of the record placed before it, so "newest updated_at" and
            # "last in the file" both keep the true record.
            target = max(0, row - int(self.rng.integers(0, DUPLICATE_DISTANCE)))
            plan.inserted_before.setdefault(target, []).append(_Insert(kind, stale, detail_row=row))
            plan.anchors.add(row)

    # -- line rewrites ----------------------------------------------------------------------------

    def _rewrite(self, line: bytes, kind: str) -> tuple[bytes, str] | None:
        """(new line, detail) for an in-place defect, or None when this line cannot carry it."""
        if kind == "trailing_empty_columns":
            extra = int(self.rng.integers(1, 4))
            return line + self._delimiter * extra, str(extra)
        fields = self._split(line)
        column = None
        if kind == "blank_field":
            candidates = [
                name
                for name in (*self.layout.required_columns, *self.layout.optional_columns)
                if self._value(fields, name)
            ]
            if not candidates:
                return None
            column = candidates[int(self.rng.integers(len(candidates)))]
            self._set(fields, column, "")
        elif kind == "state_name":
            column = self.layout.state_column
            code = self._value(fields, column)
            if code not in reference.states():
                return None
            self._set(fields, column, reference.states()[code].name)
        elif kind == "malformed_email":
            column = self.layout.email_column
            email = self._value(fields, column)
            if not email:
                return None
            self._set(fields, column, _MALFORMED_EMAILS[int(self.rng.integers(len(_MALFORMED_EMAILS)))](email))
        elif kind == "impossible_age":
            column = self.layout.age_column
            self._impossible_age(fields)
        elif kind == "impossible_date":
            filled = [(name, style) for name, style in self.layout.date_columns if self._value(fields, name)]
            if not filled:
                return None
            column, style = filled[int(self.rng.integers(len(filled)))]
            self._set(fields, column, self._impossible_date(self._value(fields, column), style))
        elif kind == "non_utf8":
            column = self.layout.first_name_column
            self._set(fields, column, ACCENTED_FIRST[int(self.rng.integers(len(ACCENTED_FIRST)))])
            return self.layout.delimiter.join(fields).encode("latin-1"), column
        elif kind == "quoted_line_break":
            column = self._line_break(fields)
            if column is None:
                return None
        else:
            raise ValueError(f"unknown defect {kind}")
        return self._join(fields), column

    def _split(self, line: bytes) -> list[str]:
        """The line's fields: split on the delimiter, or cut at their positions (fixed width)."""
        text = line.decode(self.layout.encoding)
        if self.layout.is_fixed_width:
            return [text[start - 1 : start - 1 + width] for start, width in self.layout.spans]
        return text.split(self.layout.delimiter)

    def _join(self, fields: list[str]) -> bytes:
        return self.layout.delimiter.join(fields).encode(self.layout.encoding)

    def _line_break(self, fields: list[str]) -> str | None:
        """Type a line break (LF, or CRLF in a file of LF lines) in place of a space of a text value, and
        quote the value (RFC 4180: one record over two physical lines). The column, or None when no text
        value of the line has a space."""
        quote = self.layout.quote
        if not quote:
            return None
        candidates = [name for name in self.layout.line_break_columns if " " in self._value(fields, name)]
        if not candidates:
            return None
        column = candidates[int(self.rng.integers(len(candidates)))]
        value = self._value(fields, column)
        spaces = [position for position, character in enumerate(value) if character == " "]
        at = spaces[int(self.rng.integers(len(spaces)))]
        line_break = "\r\n" if self.layout.line_ending == "\n" and self.rng.random() < 0.5 else "\n"
        broken = value[:at] + line_break + value[at + 1 :]
        fields[self.layout.index(column)] = quote + broken.replace(quote, quote * 2) + quote
        return column

    def _value(self, fields: list[str], column: str | None) -> str:
        if column is None:
            return ""
        value = fields[self.layout.index(column)]
        if self.layout.is_fixed_width:
            return value.strip()
        return value[1:-1] if self.layout.quote_all else value

    def _set(self, fields: list[str], column: str, value: str) -> None:
        position = self.layout.index(column)
        if self.layout.is_fixed_width:
            width = self.layout.spans[position][1]
            fields[position] = value[:width].ljust(width)
            return
        fields[position] = f'"{value}"' if self.layout.quote_all else value

    def _impossible_age(self, fields: list[str]) -> None:
        old = self.rng.random() < 0.7
        years = int(self.rng.integers(125, 160)) if old else int(self.rng.integers(1, 13))
        style = self.layout.age_style
        if style == "birth_date":
            birth = date.fromisoformat(self._value(fields, "birth_date"))
            self._set(fields, "birth_date", f"{self.as_of.year - years:04d}-{birth.month:02d}-{min(birth.day, 28):02d}")
        elif style == "age":
            self._set(fields, "age", _IMPOSSIBLE_AGES[int(self.rng.integers(len(_IMPOSSIBLE_AGES)))])
        elif style == "nc":
            self._set(fields, "age_at_year_end", str(years))
            self._set(fields, "birth_year", str(self.as_of.year - years))

    def _impossible_date(self, value: str, style: str) -> str:
        """A date after the snapshot, or one no calendar has (30 February, month 13). `style`: iso, mdy,
        or the layout's own format of fixed-width tokens (%Y%m%d, %m%d%Y)."""
        if style not in ("iso", "mdy"):
            if self.rng.random() < 0.5:
                return (self.as_of + timedelta(days=int(self.rng.integers(15, 1500)))).strftime(style)
            year = str(datetime.strptime(value, style).year)
            month, day = _IMPOSSIBLE_MONTH_DAYS[int(self.rng.integers(len(_IMPOSSIBLE_MONTH_DAYS)))]
            return style.replace("%Y", year).replace("%m", month).replace("%d", day)
        if self.rng.random() < 0.5:
            future = self.as_of + timedelta(days=int(self.rng.integers(15, 1500)))
            return future.isoformat() if style == "iso" else f"{future:%m/%d/%Y}"
        year = value[:4] if style == "iso" else value[-4:]
        month, day = _IMPOSSIBLE_MONTH_DAYS[int(self.rng.integers(5))]
        return f"{year}-{month}-{day}" if style == "iso" else f"{month}/{day}/{year}"

    def _stale_version(self, line: bytes) -> bytes | None:
        """The same voter id with another surname and, where the layout has one, an older updated_at."""
        fields = self._split(line)
        column = self.layout.last_name_column
        if column is None:
            return None
        current = self._value(fields, column)
        other = LAST[int(self.rng.integers(len(LAST)))]
        if other.upper() == current.upper():
            other = LAST[(LAST.index(other) + 1) % len(LAST)]
        self._set(fields, column, other.upper() if current.isupper() else other)
        if self.layout.updated_column:
            updated = self._value(fields, self.layout.updated_column)
            self._set(
                fields,
                self.layout.updated_column,
                _earlier(updated, self.layout.updated_style, int(self.rng.integers(30, 700))),
            )
        return self._join(fields)

    # -- assembly ---------------------------------------------------------------------------------

    def _assemble(
        self,
        lines: _Lines,
        plan: _ChunkPlan,
        first_line: int,
        traits: np.ndarray | None = None,
        trait_rows: np.ndarray | None = None,
    ) -> tuple[bytes, int]:
        """Untouched stretches are copied as single slices of the chunk; only event lines are rebuilt."""
        pieces: list[bytes] = []
        written = 0  # output lines so far
        placed: dict[int, int] = {}  # row -> its output line index
        pending: list[tuple[int, str, int]] = []  # (output index, defect, row whose line number is the detail)
        found: list[tuple[int, int, str, str]] = []  # (output index, part on the line, defect, detail)
        stretches: list[tuple[int, int]] = []  # (first row copied as is, its output index - its row)

        def emit(text: bytes) -> int:
            """Write one line (a record with a line break in a quoted value: several); its first line's index."""
            nonlocal written
            pieces.append(text + b"\n")
            first = written
            written += 1 + text.count(b"\n")
            return first

        def copy(first: int, stop: int) -> None:
            nonlocal written
            pieces.append(lines.block(first, stop))
            stretches.append((first, written - first))
            written += stop - first

        cursor = 0
        events = set(plan.replaced) | plan.glued | set(plan.inserted_before) | plan.anchors | set(plan.truncated)
        for row in sorted(events):
            if row < cursor:
                continue  # the second half of a glued pair
            copy(cursor, row)
            cursor = row
            for insert in plan.inserted_before.get(row, ()):
                index = emit(insert.text)
                if insert.detail_row is None:
                    found.append((index, 0, insert.defect, insert.detail))
                else:
                    pending.append((index, insert.defect, insert.detail_row))
            if row >= len(lines):
                break
            if row in plan.glued:
                index = emit(lines[row] + lines[row + 1])
                found.append((index, 0, "glued_lines", ""))
                placed[row] = placed[row + 1] = index
                cursor = row + 2
                continue
            if row in plan.truncated:
                kind, kept = plan.truncated[row]
                cut = lines[row][:kept]
                if kind == "truncated_then_record":
                    index = emit(cut + lines[row + 1])
                    placed[row + 1] = index
                    after = ("record_after_truncated", self._record_id(lines[row + 1]))
                    cursor = row + 2
                else:
                    index = emit(cut + self._header)
                    after = ("header_after_truncated", "")
                    cursor = row + 1
                placed[row] = index
                found.append((index, 0, "truncated_record", self._record_id(cut)))
                found.append((index, 1, *after))
                continue
            if row in plan.replaced:
                text, defect, detail = plan.replaced[row]
                placed[row] = emit(text)
                found.append((placed[row], 0, defect, detail))
            else:
                placed[row] = emit(lines[row])
            cursor = row + 1
        copy(cursor, len(lines))
        for index, defect, row in pending:
            found.append((index, 0, defect, str(first_line + placed[row])))
        for index, _, defect, detail in sorted(found):
            self.rows.append(ManifestRow(first_line + index, defect, detail))
        if trait_rows is not None and len(trait_rows):
            starts = np.array([first for first, _ in stretches], dtype=np.int64)
            offsets = np.array([offset for _, offset in stretches], dtype=np.int64)
            index = trait_rows + offsets[np.searchsorted(starts, trait_rows, side="right") - 1]
            for position, row in enumerate(trait_rows.tolist()):
                if row in placed:  # a trait row that an insertion came before: not in a copied stretch
                    index[position] = placed[row]
            self._add_traits(first_line + index, traits, trait_rows)
        return b"".join(pieces), written

    def manifest(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Every manifest row in line order (a truncated line's parts in their order): line numbers,
        defects and details. A date trait's detail is the registration column; others the layout's
        `trait_details` (the column a state-file quirk touches), else none."""
        trait_lines = np.concatenate(self.trait_lines) if self.trait_lines else np.zeros(0, dtype=np.int64)
        codes = np.concatenate(self.trait_codes) if self.trait_codes else np.zeros(0, dtype=np.int8)
        other_details = dict(self.layout.trait_details)
        trait_details = np.array(
            [
                self.layout.registration_column if kind in _DATE_TRAITS else other_details.get(kind, "")
                for kind in TRAIT_CODES
            ],
            dtype=object,
        )
        line_numbers = np.concatenate([np.array([row.line_number for row in self.rows], dtype=np.int64), trait_lines])
        defects = np.concatenate(
            [np.array([row.defect for row in self.rows], dtype=object), np.array(TRAIT_CODES, dtype=object)[codes]]
        )
        details = np.concatenate([np.array([row.detail for row in self.rows], dtype=object), trait_details[codes]])
        order = np.argsort(line_numbers, kind="stable")
        return line_numbers[order], defects[order], details[order]


def _keep_utf8_evidence(plan: _ChunkPlan, lines: _Lines) -> None:
    """Drop the chunk's `non_utf8` lines unless an untouched line keeps a multi-byte UTF-8 character.

    A line written in latin-1 is an encoding error only in text that is recognisably UTF-8. In
    otherwise pure-ASCII text the same bytes make a valid latin-1 file, which a reader rightly reads
    as latin-1 (the ingest does, for formats that do not declare their encoding), so the manifest
    would claim a defect the file does not have. Accented names are common enough that this only
    happens in tiny files.
    """
    wrong_encoding = [row for row, (_, defect, _) in plan.replaced.items() if defect == "non_utf8"]
    if not wrong_encoding:
        return
    if not any(row not in plan.replaced for row in lines.non_ascii_rows()):
        for row in wrong_encoding:
            del plan.replaced[row]


class _Lines:
    """Random access to the lines of a chunk by their offsets, without splitting it into a list."""

    def __init__(self, data: bytes) -> None:
        self.data = data
        self.ends = np.flatnonzero(np.frombuffer(data, dtype=np.uint8) == ord("\n"))
        self.starts = np.concatenate(([0], self.ends[:-1] + 1))

    def __len__(self) -> int:
        return len(self.ends)

    def __getitem__(self, row: int) -> bytes:
        return self.data[self.starts[row] : self.ends[row]]

    def non_ascii_rows(self) -> np.ndarray:
        """Rows holding a byte >= 0x80 (in rendered UTF-8 text: a multi-byte character)."""
        positions = np.flatnonzero(np.frombuffer(self.data, dtype=np.uint8) >= 0x80)
        return np.unique(np.searchsorted(self.ends, positions))

    def block(self, first: int, stop: int) -> bytes:
        """Rows first..stop-1 with their newlines, as one slice."""
        return self.data[self.starts[first] : self.ends[stop - 1] + 1] if stop > first else b""


def _earlier(updated: str, style: str | None, days: int) -> str:
    if style == "iso":
        moment = datetime.strptime(updated, "%Y-%m-%d %H:%M:%S") - timedelta(days=days)
        return moment.strftime("%Y-%m-%d %H:%M:%S")
    moment = datetime.strptime(updated, "%m/%d/%Y %H:%M:%S") - timedelta(days=days)
    return f"{moment.month}/{moment.day}/{moment.year} {moment.hour}:{moment:%M:%S}"
