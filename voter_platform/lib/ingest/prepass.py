"""One pass over a file's bytes before DuckDB reads it: size, sha256, encoding, line endings, header.

The pass works on large chunks with C-speed bytes methods (hashing, `isascii`) and numpy's counts,
never a Python loop over lines: a 1 GB file costs about a second and a half here.

Encoding decision (the file's own evidence first, then the format's declaration):

* a UTF-8 BOM means UTF-8, a UTF-16 BOM means UTF-16 (transcoded to a UTF-8 working copy), and so
  does text without a BOM whose every other byte is NUL (NCSBE's VR_Snapshot comes both ways);
* a format that declares its encoding gets it (canonical is UTF-8, NC files are latin-1);
* otherwise: valid UTF-8 is UTF-8; invalid bytes without a single valid multi-byte UTF-8 sequence
  mean a single-byte file, read as latin-1 throughout; a mix (valid multi-byte sequences *and*
  invalid bytes) is UTF-8 with the offending lines quarantined as `invalid_encoding`.

DuckDB's line reader needs one kind of line ending; a file mixing them (or using bare CRs) is
rewritten to a working copy with LF endings, stray carriage returns turned into a byte the reader
rejects, so those lines end up in quarantine with their original text.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import mmap
import re
import tempfile
from collections.abc import Collection, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

CHUNK_BYTES = 16 << 20
HEADER_PEEK_BYTES = 1 << 16

UTF8_BOM = codecs.BOM_UTF8
UTF16_BOMS = {codecs.BOM_UTF16_LE: "utf-16-le", codecs.BOM_UTF16_BE: "utf-16-be"}

# The reader's field delimiter: a byte that never occurs in text. A line containing it is rejected
# by DuckDB and quarantined, which is also how stray carriage returns are caught.
LINE_READER_DELIMITER = "\x01"

# Characters >= U+0080 that are not lone surrogates: a valid multi-byte UTF-8 sequence decoded.
_VALID_MULTIBYTE = re.compile("[\u0080-\ud7ff\ue000-\U0010ffff]")


@dataclass(frozen=True)
class FileFacts:
    """What the pre-pass learned about one file."""

    size: int
    sha256: str
    bom: str | None  # utf-8 | utf-16-le | utf-16-be | None
    utf16: str | None  # utf-16-le | utf-16-be when the text is UTF-16, with or without a BOM
    invalid_utf8: bool  # some bytes are not valid UTF-8
    valid_multibyte_utf8: bool  # some valid multi-byte UTF-8 sequence occurs
    line_endings: str  # lf | crlf | cr | mixed | none
    header_line: str  # first line, decoded, without its line ending or BOM
    physical_lines: int  # LF-separated lines (a last line without LF counts)
    delimiter_bytes: int | None = None  # occurrences of the format's delimiter (when asked)
    quote_bytes: int | None = None  # occurrences of '"' (when asked)
    # A carriage return not followed by a line feed, in a file of LF lines (not a line end: a stray byte).
    stray_carriage_returns: bool = False

    @property
    def is_empty(self) -> bool:
        return self.size == 0

    def encoding_for(self, declared: str | None) -> str:
        """The encoding the file is read with: BOM, then the format's declaration, then the evidence."""
        if self.utf16:
            return "utf-16"
        if self.bom == "utf-8":
            return "utf-8"
        if declared:
            return declared
        if self.invalid_utf8 and not self.valid_multibyte_utf8:
            return "latin-1"
        return "utf-8"

    def needs_working_copy(self, encoding: str) -> bool:
        """DuckDB reads the file as is unless it is UTF-16 or mixes line endings."""
        return encoding == "utf-16" or self.line_endings in ("cr", "mixed")


def inspect_file(path: Path, delimiter: str | None = None, encoding_evidence: bool = True) -> FileFacts:
    """Hash and characterise `path` in one chunked pass.

    With the format's `delimiter`, also count delimiter and quote bytes: the staging compares that
    count with the fields DuckDB parsed, which reveals lines with extra (empty) trailing fields that
    DuckDB's reader accepts silently (see stage.py). Without `encoding_evidence` (the format
    declares its encoding) the UTF-8 validity of the bytes is not examined.
    """
    sha = hashlib.sha256()
    size = lf = cr = crlf = delimiters = quotes = 0
    delimiter_byte = delimiter.encode() if delimiter else None
    last_byte = b""
    utf8 = _Utf8Evidence()
    with path.open("rb") as handle:
        head = handle.read(HEADER_PEEK_BYTES)
        bom = _bom(head)
        utf16 = utf16_variant(head, bom)
        is_utf16 = utf16 is not None
        chunk = head
        while chunk:
            sha.update(chunk)
            size += len(chunk)
            lf += _occurrences(chunk, b"\n")
            if b"\r" in chunk:  # a memchr: nearly free when there is none
                cr += chunk.count(b"\r")
                crlf += chunk.count(b"\r\n") + (1 if last_byte == b"\r" and chunk.startswith(b"\n") else 0)
            if encoding_evidence and not is_utf16:
                utf8.feed(chunk)
            if delimiter_byte:
                delimiters += _occurrences(chunk, delimiter_byte)
                if b'"' in chunk:
                    quotes += _occurrences(chunk, b'"')
            last_byte = chunk[-1:]
            chunk = handle.read(CHUNK_BYTES)
    return FileFacts(
        size=size,
        sha256=sha.hexdigest(),
        bom=bom,
        utf16=utf16,
        invalid_utf8=utf8.invalid,
        valid_multibyte_utf8=utf8.multibyte,
        line_endings=_line_endings(lf, cr, crlf) if not is_utf16 else "lf",
        header_line=_first_line(head, bom, utf16),
        physical_lines=lf + (1 if size and last_byte != b"\n" else 0),
        delimiter_bytes=delimiters if delimiter_byte and not is_utf16 else None,
        quote_bytes=quotes if delimiter_byte and not is_utf16 else None,
        stray_carriage_returns=not is_utf16 and lf > 0 and cr > crlf,
    )


def _occurrences(chunk: bytes, byte: bytes) -> int:
    """How often `byte` occurs in `chunk`: numpy's vectorised comparison, four times bytes.count's
    speed on a chunk (counting was most of the pass: three counts of every byte)."""
    if len(byte) != 1:
        return chunk.count(byte)
    return int(np.count_nonzero(np.frombuffer(chunk, dtype=np.uint8) == byte[0]))


class _Utf8Evidence:
    """Is the text valid UTF-8, and does it contain a valid multi-byte sequence?

    ASCII chunks cost an `isascii()`. Other chunks go through a strict incremental decoder (C speed);
    only after the first invalid byte does the slower byte-level inspection run, and it stops as soon
    as both questions are answered.
    """

    def __init__(self) -> None:
        self.invalid = False
        self.multibyte = False
        self._strict = codecs.getincrementaldecoder("utf-8")()
        self._lenient = codecs.getincrementaldecoder("utf-8")(errors="surrogateescape")

    def feed(self, chunk: bytes) -> None:
        if (self.invalid and self.multibyte) or chunk.isascii():
            return
        if not self.invalid:
            try:
                self._strict.decode(chunk)
                self.multibyte = True  # non-ASCII and valid
                return
            except UnicodeDecodeError:
                self.invalid = True
        text = self._lenient.decode(chunk)
        self.multibyte = self.multibyte or bool(_VALID_MULTIBYTE.search(text))


def count_lines(path: Path) -> int:
    """Physical lines of a (working copy) file, counted as the pre-pass counts them."""
    lf = size = 0
    last_byte = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            size += len(chunk)
            lf += _occurrences(chunk, b"\n")
            last_byte = chunk[-1:]
    return lf + (1 if size and last_byte != b"\n" else 0)


_BLANK_LINE = re.compile(rb"(?m)^\r?\n")


def _whole_lines(path: Path) -> Iterator[tuple[int, bytes]]:
    """The file in pieces of whole lines, chunk by chunk: (1-based number of the piece's first line, bytes).

    Chunks are cut after their last newline, so every piece starts at a line start; only the last
    piece may end without a newline (a last line without one).
    """
    line = 1
    pending = b""
    with path.open("rb") as handle:
        while chunk := handle.read(CHUNK_BYTES):
            data = pending + chunk
            cut = data.rfind(b"\n") + 1
            if cut:
                yield line, data[:cut]
                line += data.count(b"\n", 0, cut)
            pending = data[cut:]
    if pending:
        yield line, pending


def blank_line_numbers(path: Path) -> list[int]:
    """1-based numbers of the empty lines of a file.

    DuckDB's record reader skips empty lines silently; this is only run when its row count says
    lines are missing (searching every chunk for them up front costs more than hashing it).
    """
    numbers = []
    for line, piece in _whole_lines(path):
        position = 0
        for match in _BLANK_LINE.finditer(piece):
            line += piece.count(b"\n", position, match.start())
            position = match.start()
            numbers.append(line)
    return numbers


def line_numbers_of(path: Path, lines: list[bytes]) -> list[int]:
    """The 1-based physical line of each of `lines` (whole lines' bytes, without their ending), found
    in the file in the order given (the file's order: a repeated line is found again further on).

    For a few lines picked out by a parallel read that has no row numbers: searching the file's bytes
    costs a fraction of numbering every line in one thread. A line not found raises LookupError.
    """
    numbers: list[int] = []
    with path.open("rb") as handle, mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ) as data:
        first = len(codecs.BOM_UTF8) if data[:3] == codecs.BOM_UTF8 else 0  # the first line starts after a BOM
        position, line = first, 1  # `position` starts line `line`
        search_from = first
        for text in lines:
            found = _whole_line_at(data, text, search_from, first)
            if found < 0:  # not after the last one: from the top
                found, position, line = _whole_line_at(data, text, first, first), first, 1
            if found < 0:
                raise LookupError(f"line not found in {path.name}")
            line += data[position:found].count(b"\n")
            numbers.append(line)
            position, search_from = found, found + 1
    return numbers


def _whole_line_at(data: mmap.mmap, text: bytes, start: int, first: int) -> int:
    """The offset of the first line from `start` on that is exactly `text` (-1: none); the file's
    first line starts at `first`."""
    while (found := data.find(text, start)) >= 0:
        end = found + len(text)
        if (found == first or data[found - 1] == 0x0A) and (end == len(data) or data[end] in (0x0A, 0x0D)):
            return found
        start = found + 1
    return -1


def read_header_line(path: Path) -> str:
    """The first line of a file, decoded as the pre-pass does (for a quick look without a full pass)."""
    with path.open("rb") as handle:
        head = handle.read(HEADER_PEEK_BYTES)
    bom = _bom(head)
    return _first_line(head, bom, utf16_variant(head, bom))


def decoded_head(path: Path, size: int) -> str:
    """The first `size` bytes of a file as text (BOM, UTF-16 or latin-1 as the pre-pass decides)."""
    with path.open("rb") as handle:
        head = handle.read(size)
    bom = _bom(head)
    utf16 = utf16_variant(head, bom)
    if utf16:
        return head[2 if bom else 0 :].decode(utf16, errors="replace")
    return head[3:].decode("utf-8", errors="replace") if bom == "utf-8" else head.decode("latin-1")


def _bom(head: bytes) -> str | None:
    if head.startswith(UTF8_BOM):
        return "utf-8"
    for bom, name in UTF16_BOMS.items():
        if head.startswith(bom):
            return name
    return None


# Share of NUL bytes, at odd (LE) or even (BE) positions of the first KiB, that marks UTF-16 text.
_UTF16_NUL_SHARE = 0.8


def utf16_variant(head: bytes, bom: str | None) -> str | None:
    """utf-16-le / utf-16-be when `head` is UTF-16 text: by its BOM, or, without one, by the NUL
    high bytes of mostly-ASCII text (a NUL in every other byte)."""
    if bom in UTF16_BOMS.values():
        return bom
    sample = head[:1024]
    if len(sample) < 8 or bom == "utf-8":
        return None
    pairs = len(sample) // 2
    if sample[1::2].count(0) >= _UTF16_NUL_SHARE * pairs and sample[0::2].count(0) < pairs * 0.1:
        return "utf-16-le"
    if sample[0::2].count(0) >= _UTF16_NUL_SHARE * pairs and sample[1::2].count(0) < pairs * 0.1:
        return "utf-16-be"
    return None


def _line_endings(lf: int, cr: int, crlf: int) -> str:
    if cr == 0:
        return "lf" if lf else "none"
    if lf == 0:
        return "cr"
    return "crlf" if cr == crlf == lf else "mixed"


def _first_line(head: bytes, bom: str | None, utf16: str | None = None) -> str:
    """The header line as text: decoded leniently, since it only has to be recognised."""
    if utf16:
        text = head[2 if bom else 0 :].decode(utf16, errors="replace")
    else:
        text = head[3:].decode("utf-8", errors="replace") if bom == "utf-8" else head.decode("latin-1")
    return re.split(r"\r\n|\n|\r", text, maxsplit=1)[0]


@contextmanager
def readable_copy(
    path: Path, facts: FileFacts, encoding: str, work_dir: Path | None = None
) -> Iterator[tuple[Path, str]]:
    """Yield (path DuckDB should read, encoding to read it with), making a working copy if needed.

    The copy keeps the line count: CRLF and LF both become LF, a bare CR in a file of LF lines becomes
    the reader's delimiter byte (so that line is rejected and quarantined), a file of bare CRs gets LFs.
    """
    if not facts.needs_working_copy(encoding):
        yield path, encoding
        return
    with tempfile.TemporaryDirectory(prefix="ingest-", dir=work_dir) as folder:
        copy = Path(folder) / path.name
        if encoding == "utf-16":
            _transcode_utf16(path, copy, facts)
            yield copy, "utf-8"
        else:
            _normalise_line_endings(path, copy, facts.line_endings)
            yield copy, encoding


def _normalise_line_endings(source: Path, target: Path, line_endings: str) -> None:
    stray_cr = b"\n" if line_endings == "cr" else LINE_READER_DELIMITER.encode()
    with source.open("rb") as reader, target.open("wb") as writer:
        carry = b""
        while chunk := reader.read(CHUNK_BYTES):
            chunk = carry + chunk
            # A CR at the end of a chunk may be the first half of a CRLF: decide with the next chunk.
            carry = b"\r" if chunk.endswith(b"\r") else b""
            if carry:
                chunk = chunk[:-1]
            writer.write(chunk.replace(b"\r\n", b"\n").replace(b"\r", stray_cr))
        writer.write(carry.replace(b"\r", stray_cr))


def _transcode_utf16(source: Path, target: Path, facts: FileFacts) -> None:
    # Undecodable UTF-16 (a lone surrogate) becomes U+FFFD: the line still arrives, visibly damaged.
    decoder = codecs.getincrementaldecoder(facts.utf16 or "utf-16")(errors="replace")
    with source.open("rb") as reader, target.open("w", encoding="utf-8", newline="") as writer:
        if facts.bom:
            reader.read(2)  # the BOM
        carry = ""
        while chunk := reader.read(CHUNK_BYTES):
            text = carry + decoder.decode(chunk)
            carry = "\r" if text.endswith("\r") else ""
            if carry:
                text = text[:-1]
            writer.write(text.replace("\r\n", "\n").replace("\r", "\n"))
        writer.write((carry + decoder.decode(b"", final=True)).replace("\r", "\n"))


def physical_lines(path: Path, line_numbers: set[int]) -> dict[int, bytes]:
    """The bytes of the given 1-based physical lines (LF-separated, line ending removed).

    Used for the few lines DuckDB rejects: counting newlines chunk by chunk finds them without a
    Python loop over every line.
    """
    wanted = sorted(line_numbers)
    found: dict[int, bytes] = {}
    if not wanted:
        return found
    line = 1  # the line the current chunk starts in
    partial = b""
    index = 0
    with path.open("rb") as handle:
        while index < len(wanted) and (chunk := handle.read(CHUNK_BYTES)):
            newlines = chunk.count(b"\n")
            last_line_in_chunk = line + newlines
            if wanted[index] > last_line_in_chunk:
                partial = chunk[chunk.rfind(b"\n") + 1 :] if newlines else partial + chunk
                line = last_line_in_chunk
                continue
            pieces = (partial + chunk).split(b"\n")
            for offset, piece in enumerate(pieces[:-1]):
                while index < len(wanted) and wanted[index] == line + offset:
                    found[wanted[index]] = piece.rstrip(b"\r")
                    index += 1
            partial = pieces[-1]
            line = last_line_in_chunk
        while index < len(wanted) and wanted[index] == line and partial:
            found[wanted[index]] = partial.rstrip(b"\r")
            index += 1
    return found


def lines_with_quotes(path: Path, delimiter: str) -> dict[int, tuple[int, int]]:
    """line number -> (delimiter bytes, fields) for every line that contains a double quote.

    A quoted field may hold the delimiter (an address "1 Main St, Apt 4"); knowing how many such
    delimiters there are keeps the trailing-field arithmetic of stage.py exact. Only called when the
    pre-pass counted few quotes.
    """
    found: dict[int, tuple[int, int]] = {}
    delimiter_byte = delimiter.encode()
    for line, piece in _whole_lines(path):
        position = 0  # the start of `line`
        while (quote := piece.find(b'"', position)) != -1:
            start = piece.rfind(b"\n", 0, quote) + 1
            end = piece.find(b"\n", quote)
            end = len(piece) if end == -1 else end
            line += piece.count(b"\n", position, start)
            text = piece[start:end].rstrip(b"\r")
            fields = next(csv.reader([text.decode("latin-1")], delimiter=delimiter))
            found[line] = (text.count(delimiter_byte), len(fields))
            position = end + 1
            line += 1
    return found


@dataclass(frozen=True)
class QuoteScan:
    """What `scan_quotes` found."""

    odd_lines: np.ndarray  # 1-based lines holding an odd number of quote characters (a quoted value opens or closes)
    places: dict[int, tuple[int, int]]  # a reader's byte offset -> (the file's byte offset, its 1-based line)


def scan_quotes(
    path: Path, quote: str, delimiter: str, offsets: Collection[int] = (), latin1: bool = False
) -> QuoteScan:
    """One pass over the file with numpy, chunk by chunk (no loop over lines): the lines on which a quoted
    value is left open, or closed, at the line's end -- an odd number of quote characters -- and where
    each of the reader's `offsets` is.

    A quote character between two ordinary characters (`O"NEIL`) is not counted: DuckDB's parser takes a
    quote only at the start of a field, where it opens a value, and inside one (doubled, or before a
    delimiter or line end, where it closes it); such a quote is a letter of an unquoted value. With
    `latin1`, the offsets are DuckDB's in the file's text transcoded to UTF-8 (a byte from 0x80 on takes
    two there). Only read when a read's rows do not add up to the file's lines (spans.py).
    """
    quote_byte, delimiter_byte = ord(quote), ord(delimiter)
    wanted = sorted(set(offsets))
    odd: list[np.ndarray] = [np.zeros(0, dtype=np.int64)]
    places: dict[int, tuple[int, int]] = {}
    start = reader_start = 0  # the piece's first byte in the file, and in the reader's text
    index = 0  # the next offset to place
    for line, piece in _whole_lines(path):
        data = np.frombuffer(piece, dtype=np.uint8)
        ends = np.flatnonzero(data == 0x0A)
        quotes = np.flatnonzero(data == quote_byte)
        if quotes.size:
            odd.append(_odd_quote_lines(data, quotes, ends, quote_byte, delimiter_byte) + line)
        # Where each byte of the piece is in the reader's text: after as many extra bytes as wide bytes before it.
        wide = np.flatnonzero(data >= 0x80) if latin1 else np.zeros(0, dtype=np.int64)
        wide_in_reader = wide + np.arange(len(wide))
        reader_stop = reader_start + len(piece) + len(wide)
        while index < len(wanted) and wanted[index] < reader_stop:
            at = wanted[index] - reader_start
            at -= int(np.searchsorted(wide_in_reader, at))
            places[wanted[index]] = (start + at, line + int(np.searchsorted(ends, at)))
            index += 1
        start, reader_start = start + len(piece), reader_stop
    return QuoteScan(np.concatenate(odd), places)


def _odd_quote_lines(data: np.ndarray, quotes: np.ndarray, ends: np.ndarray, quote: int, delimiter: int) -> np.ndarray:
    """The 0-based lines of a piece (whole lines, `ends` their line feeds) with an odd number of quote
    characters at `quotes`, not counting one between two ordinary characters."""
    before = data[np.maximum(quotes - 1, 0)]
    before[quotes == 0] = 0x0A  # a piece starts a line
    after = data[np.minimum(quotes + 1, len(data) - 1)]
    after[quotes + 1 >= len(data)] = 0x0A

    def ordinary(neighbours: np.ndarray) -> np.ndarray:
        special = (neighbours == quote) | (neighbours == delimiter) | (neighbours == 0x0A) | (neighbours == 0x0D)
        return ~special

    counted = quotes[~(ordinary(before) & ordinary(after))]
    per_line = np.bincount(np.searchsorted(ends, counted), minlength=len(ends) + 1)
    return np.flatnonzero(per_line & 1).astype(np.int64)


def decode_for_quarantine(raw: bytes, encoding: str) -> str:
    """Text of a rejected line that keeps every byte visible (invalid bytes as \\xNN escapes)."""
    if encoding == "latin-1":
        return raw.decode("latin-1")
    return raw.decode("utf-8", errors="backslashreplace")
