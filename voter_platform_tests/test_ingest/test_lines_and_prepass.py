"""The pieces that keep line numbers exact: the pre-pass counts and the renumbering around skips."""

from __future__ import annotations

import codecs
import hashlib
import random
from pathlib import Path

import duckdb
import pytest

from voter_platform.lib.ingest import prepass
from voter_platform.lib.ingest.lines import Renumbering, line_reader_sql, physical_line_number, rejected_line_numbers


def test_renumbering_by_hand():
    # Lines 1..8; line 3 and lines 5-6 were rejected: accepted rows are lines 1, 2, 4, 7, 8.
    skipped = [3, 5, 6]
    assert [physical_line_number(row, skipped) for row in range(1, 6)] == [1, 2, 4, 7, 8]
    # The same when the reader started after the header (row 1 = line 2).
    assert [physical_line_number(row, skipped, first_line=2) for row in range(1, 5)] == [2, 4, 7, 8]


@pytest.mark.parametrize("seed", range(20))
def test_renumbering_sql_matches_the_formula(seed):
    generator = random.Random(seed)
    total = generator.randint(1, 300)
    first_line = generator.choice([1, 2])
    lines = list(range(first_line, total + 1))
    skipped = sorted(generator.sample(lines, generator.randint(0, len(lines))))
    accepted = [line for line in lines if line not in skipped]
    with duckdb.connect() as connection:
        connection.execute(
            "create table staged as select range + 1 as row_index, range + ? as line_number from range(?)",
            [first_line, len(accepted)],
        )
        sql = Renumbering(tuple(skipped), first_line).update_sql("staged")
        if sql:
            connection.execute(sql)
        assert [
            row[0] for row in connection.execute("select line_number from staged order by row_index").fetchall()
        ] == accepted


@pytest.mark.parametrize("inline_limit", [2, 4096])
def test_renumbering_from_a_provisional_line_number(monkeypatch, inline_limit):
    """The fast staging numbers rows row + 1 (after the header) and corrects that in place."""
    from voter_platform.lib.ingest import lines as lines_module

    monkeypatch.setattr(lines_module, "INLINE_RENUMBER_LIMIT", inline_limit)  # 2: the ASOF join path
    skipped = (3, 4, 9, 12, 13, 20)
    accepted = [line for line in range(2, 25) if line not in skipped]
    with duckdb.connect() as connection:
        connection.execute("create table staged as select range + 2 as line_number from range(?)", [len(accepted)])
        connection.execute(Renumbering(skipped, first_line=2).update_sql("staged", row_index_sql="(line_number - 1)"))
        assert [
            row[0] for row in connection.execute("select line_number from staged order by line_number").fetchall()
        ] == accepted


def test_line_reader_keeps_file_order_and_reports_bad_lines(tmp_path: Path):
    """DuckDB hands back every accepted line in file order, even on a file large enough to read in parallel."""
    generator = random.Random(7)
    total = 300_000
    bad = set(generator.sample(range(2, total + 1), 25))
    path = tmp_path / "lines.txt"
    with path.open("wb") as handle:
        for line in range(1, total + 1):
            handle.write(b"L%d,\xff broken\n" % line if line in bad else b"L%d,fine\n" % line)
    with duckdb.connect() as connection:
        numbered = connection.execute(
            f"select row_index, raw from ({line_reader_sql(path, 'utf-8', 'rejects')})"
        ).fetchall()
        rejected = sorted(rejected_line_numbers(connection, "rejects"))
    assert rejected == sorted(bad)
    assert all(int(raw.split(",")[0][1:]) == physical_line_number(row, rejected) for row, raw in numbered)
    assert len(numbered) + len(rejected) == total


def test_prepass_facts(tmp_path: Path):
    path = tmp_path / "f.csv"
    content = b"a,b\r\n1,2\r\n\r\n3,4"
    path.write_bytes(content)
    facts = prepass.inspect_file(path, ",")
    assert (facts.size, facts.physical_lines, facts.line_endings, facts.header_line) == (15, 4, "crlf", "a,b")
    assert (facts.delimiter_bytes, facts.quote_bytes) == (3, 0)
    assert facts.sha256 == hashlib.sha256(content).hexdigest()


@pytest.mark.parametrize(
    ("content", "declared", "expected"),
    [
        (b"id\nJos\xc3\xa9\n", None, "utf-8"),  # valid UTF-8
        (b"id\nMu\xf1oz\n", None, "latin-1"),  # no multi-byte sequence, invalid bytes: single-byte text
        (b"id\nJos\xc3\xa9\nMu\xf1oz\n", None, "utf-8"),  # a mix: UTF-8, the bad line is quarantined
        (b"id\nMu\xf1oz\n", "utf-8", "utf-8"),  # the format declares UTF-8
        (codecs.BOM_UTF8 + b"id\nMu\xf1oz\n", "latin-1", "utf-8"),  # a BOM wins
        (codecs.BOM_UTF16_LE + "id\n".encode("utf-16-le"), None, "utf-16"),
    ],
)
def test_encoding_decision(tmp_path: Path, content: bytes, declared: str | None, expected: str):
    path = tmp_path / "f.csv"
    path.write_bytes(content)
    assert prepass.inspect_file(path).encoding_for(declared) == expected


def test_utf8_evidence_across_chunk_boundaries(tmp_path: Path, monkeypatch):
    monkeypatch.setattr(prepass, "CHUNK_BYTES", 3)
    path = tmp_path / "f.csv"
    path.write_bytes(b"id\nJos\xc3\xa9 \xc3\xa9\xc3\xa9\n")  # multi-byte characters split by chunks
    facts = prepass.inspect_file(path)
    assert (facts.invalid_utf8, facts.valid_multibyte_utf8) == (False, True)


@pytest.mark.parametrize("chunk", [1, 2, 5, 1 << 20])
def test_blank_lines_and_physical_lines_at_any_chunk_size(tmp_path: Path, monkeypatch, chunk):
    monkeypatch.setattr(prepass, "CHUNK_BYTES", chunk)
    path = tmp_path / "f.csv"
    path.write_bytes(b"\nh\r\n\r\nx\n\n\ny")
    assert prepass.blank_line_numbers(path) == [1, 3, 5, 6]
    assert prepass.count_lines(path) == 7
    assert prepass.physical_lines(path, {2, 7, 4}) == {2: b"h", 4: b"x", 7: b"y"}


def test_quoted_lines_are_measured(tmp_path: Path):
    path = tmp_path / "f.csv"
    path.write_bytes(b'a,b,c\n"x,y",1,2\n3,4,5\n"q""r",s,t')
    assert prepass.lines_with_quotes(path, ",") == {2: (3, 3), 4: (2, 3)}


def test_mixed_line_endings_get_a_working_copy_with_the_same_lines(tmp_path: Path):
    path = tmp_path / "f.csv"
    path.write_bytes(b"a\r\nb\nc\rd\r\n")
    facts = prepass.inspect_file(path)
    assert facts.line_endings == "mixed"
    with prepass.readable_copy(path, facts, "utf-8") as (copy, encoding):
        assert copy.read_bytes() == b"a\nb\nc" + prepass.LINE_READER_DELIMITER.encode() + b"d\n"
        assert encoding == "utf-8"


def test_lines_are_found_by_their_bytes_in_file_order(tmp_path):
    # A BOM before the first line, CRLF and LF endings, a line repeated, a line that is a suffix of another.
    path = tmp_path / "voters.csv"
    path.write_bytes(codecs.BOM_UTF8 + b"id,name\r\n1,a\r\n2,b\nx1,a\n1,a\n")
    assert prepass.line_numbers_of(path, [b"id,name", b"1,a", b"1,a", b"2,b"]) == [1, 2, 5, 3]
    with pytest.raises(LookupError):
        prepass.line_numbers_of(path, [b"3,c"])


def test_the_quote_scan_finds_the_lines_a_quoted_value_opens_or_closes_on(tmp_path: Path):
    """Odd counts of quote characters, a quote between two letters not counted (O"NEIL, as DuckDB reads
    it), doubled quotes counted both; and each offset of the reader's text placed on its line, for a
    latin-1 file whose text DuckDB reads transcoded (é: one byte in the file, two in its text)."""
    path = tmp_path / "quotes.csv"
    lines = [
        "id,name,address",  # 1
        '1,O"NEIL,"1 Main St"',  # 2: the quote in O"NEIL is a letter: even
        '2,"Ann ""Nan""","2 Oak',  # 3: doubled quotes inside a value, then one left open: odd
        "Ave\r",  # 4: inside the value (a CRLF in it): no quote
        'Apt 5",Raleigh',  # 5: closes it: odd
        '3,Zoé,"Élan St"',  # 6
        "4,x,y",  # 7
    ]
    path.write_bytes("\n".join(lines).encode("latin-1") + b"\n")
    text = ("\n".join(lines) + "\n").encode("utf-8")  # what DuckDB reads a latin-1 file as
    offsets = [text.index(b"4,x,y"), text.index(b"3,Zo"), 0]
    scan = prepass.scan_quotes(path, '"', ",", offsets, latin1=True)
    assert scan.odd_lines.tolist() == [3, 5]
    data = path.read_bytes()
    assert {scan.places[offset][1] for offset in offsets} == {7, 6, 1}
    assert data[scan.places[offsets[0]][0] :].startswith(b"4,x,y")
    assert data[scan.places[offsets[1]][0] :].startswith("3,Zoé".encode("latin-1"))
    assert prepass.scan_quotes(path, '"', ",", [text.index(b"4,x,y")]).places != scan.places  # UTF-8: as is


@pytest.mark.parametrize(
    ("record", "breaks", "ended"),
    [
        (b'1,"a\nb",c\n2,x,y\n', 1, "closed"),
        (b'1,"a\r\nb""\nc",d\r\n2', 2, "closed"),
        (b'1,"a\nb"x,c\nnext', 1, "quote error"),  # a value goes on after its closing quote
        (b'1,"never closes\n2,x\n3,y\n', 3, "open at the end"),
        (b'1,x"y,z\n2', 0, "closed"),  # a quote inside an unquoted value is a letter
    ],
)
def test_a_refused_record_is_followed_as_duckdb_reads_it(record, breaks, ended):
    from voter_platform.lib.ingest.spans import _extent

    assert _extent(record, 0, ord(","), ord('"')) == (breaks, ended)
