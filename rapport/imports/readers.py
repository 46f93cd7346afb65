"""Reading an uploaded file as records: CSV (any of , ; tab |, CRLF/LF/CR, quoted newlines, with
or without BOM, UTF-8/Latin-1/CP1252), XLSX (first sheet, header in row 1) and JSON lines.

Everything streams: a file is read a line (or a sheet row) at a time, so memory stays the same
for ten rows or ten million. A record that cannot be read is yielded with `error` set and reading
goes on; only a file that cannot be read at all raises FileRejected (from `detect`, or from
`read_records` for a workbook damaged part way through).

Line numbers are physical: the line of the file where a record starts (the header of a CSV is
line 1, so its first row is line 2), the sheet row of a workbook, the line of a JSON lines file.
"""

from __future__ import annotations

import codecs
import csv
import io
import json
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import IO, Any, NamedTuple

from rapport.imports.choices import Encoding, FileFormat

MAX_RAW = 2_000  # characters of a record kept for the error report
HEAD_BYTES = 64 * 1024  # what encoding and delimiter detection look at
MAX_LINE_BYTES = 4 * 1024 * 1024  # a longer physical line is cut and its record refused
SNIFF_LINES = 50
SAMPLE_ROWS = 10
JSONL_HEADER_LINES = 1_000
DELIMITERS = ",;\t|"
UTF8_BOM = codecs.BOM_UTF8
CP1252_FALLBACK = "rapport-cp1252-as-latin-1"
TOO_LONG = f"has a line longer than {MAX_LINE_BYTES // (1024 * 1024)} MiB"
NUL = "holds a NUL character; is this a text file?"

BinaryIO = IO[bytes]


def _latin1_for_undefined(error: UnicodeError) -> tuple[str, int]:
    # CP1252 leaves 0x81, 0x8D, 0x8F, 0x90 and 0x9D undefined; Windows itself maps them to the
    # C1 controls of the same value, which is what Latin-1 does.
    if not isinstance(error, UnicodeDecodeError):
        raise error
    return error.object[error.start : error.end].decode("latin-1"), error.end


codecs.register_error(CP1252_FALLBACK, _latin1_for_undefined)


class FileRejected(Exception):
    """The whole file cannot be read; `reason` says why in words a person can act on."""

    def __init__(self, reason: str):
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Shape:
    """What detection found: the encoding and delimiter to read with, the column names, the
    first rows (for the mapping page) and an estimate of the number of rows."""

    encoding: str
    delimiter: str
    headers: list[str]
    sample: list[dict[str, str]]
    rows_estimate: int


class Record(NamedTuple):
    """One record as read. `values` is {column name: cell text}, or None when `error` says why
    the record cannot be read. `offset` is the byte position just after the record (a resumed
    read may start there); `last_line` is the physical line the record ends on."""

    line: int
    values: dict[str, str] | None
    error: str = ""
    raw: str = ""
    offset: int = 0
    last_line: int = 0


# --- detection ------------------------------------------------------------------------------


def detect(
    handle: BinaryIO, *, file_format: str, encoding: str = Encoding.AUTO, delimiter: str = ""
) -> Shape:
    """Find how to read the file. Raises FileRejected for a file that cannot be read at all."""
    handle.seek(0)
    if file_format == FileFormat.XLSX:
        return _detect_xlsx(handle)
    head = handle.read(HEAD_BYTES)
    size = _size(handle)
    if not head.strip():
        raise FileRejected("The file is empty.")
    if head.startswith(b"PK\x03\x04"):
        raise FileRejected("This is a zip archive or an Excel workbook; choose the XLSX format.")
    if b"\x00" in head:
        raise FileRejected(
            "The file holds binary data (NUL bytes), not text; is it a spreadsheet saved in "
            "another format?"
        )
    resolved = resolve_encoding(head, encoding, complete=len(head) >= size)
    if file_format == FileFormat.JSONL:
        return _detect_jsonl(handle, resolved, size)
    if file_format != FileFormat.CSV:
        raise FileRejected(f"Unknown file format {file_format!r}.")
    chosen = delimiter or sniff_delimiter(_decode(head, resolved, final=len(head) >= size))
    return _detect_csv(handle, resolved, chosen, size)


def resolve_encoding(head: bytes, encoding: str, *, complete: bool) -> str:
    """auto: a UTF-8 BOM → utf-8-sig; valid UTF-8 in the first bytes → utf-8; else cp1252."""
    if encoding and encoding != Encoding.AUTO:
        return encoding
    if head.startswith(UTF8_BOM):
        return Encoding.UTF8_SIG.value
    try:
        # final=False: the 64 KiB cut may fall inside a character, which is not an error.
        codecs.getincrementaldecoder("utf-8")().decode(head, final=complete)
    except UnicodeDecodeError:
        return Encoding.CP1252.value
    return Encoding.UTF8.value


def sniff_delimiter(text: str) -> str:
    """csv.Sniffer on the first lines, restricted to , ; tab |; checked against the column
    counts, which decide when the Sniffer gives up or picks a delimiter the rows do not share."""
    lines = text.splitlines(keepends=True)[:SNIFF_LINES]
    if len(lines) > 1 and not lines[-1].endswith(("\n", "\r")):
        lines = lines[:-1]  # the head may end inside a line
    sample = "".join(lines)
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ""
    scores = {candidate: _delimiter_score(lines, candidate) for candidate in DELIMITERS}
    if sniffed in scores and scores[sniffed][:2] == (True, 1.0):
        return sniffed
    best = max(DELIMITERS, key=lambda candidate: scores[candidate])
    return best if scores[best][0] else ","


def _delimiter_score(lines: list[str], delimiter: str) -> tuple[bool, float, int]:
    """(the header splits, the share of rows as wide as the header, the header's width)."""
    try:
        rows = [row for row in csv.reader(lines, delimiter=delimiter) if row]
    except csv.Error:
        return (False, 0.0, 0)
    if not rows:
        return (False, 0.0, 0)
    width = len(rows[0])
    share = sum(len(row) == width for row in rows) / len(rows)
    return (width > 1, share, width)


def _detect_csv(handle: BinaryIO, encoding: str, delimiter: str, size: int) -> Shape:
    handle.seek(0)
    reader = CsvReader(handle, encoding=encoding, delimiter=delimiter)
    headers = reader.read_header()
    sample, last_offset = _sample(reader.records())
    return Shape(
        encoding=encoding,
        delimiter=delimiter,
        headers=headers,
        sample=sample,
        rows_estimate=_estimate(size, reader.header_end, last_offset, len(sample)),
    )


def _detect_jsonl(handle: BinaryIO, encoding: str, size: int) -> Shape:
    handle.seek(0)
    headers: dict[str, None] = {}
    sample: list[dict[str, str]] = []
    objects = 0
    last_offset = 0
    first_text = ""
    for index, record in enumerate(_jsonl_records(handle, encoding)):
        if index >= JSONL_HEADER_LINES:
            break
        first_text = first_text or record.raw.lstrip()
        last_offset = record.offset
        if record.values is None:
            continue
        objects += 1
        headers.update(dict.fromkeys(record.values))
        if len(sample) < SAMPLE_ROWS:
            sample.append(record.values)
    if not objects:
        hint = (
            " It looks like one JSON array; save one object per line."
            if first_text[:1] == "["
            else ""
        )
        raise FileRejected(
            "No line of the file is a JSON object; JSON lines hold one object per line." + hint
        )
    return Shape(
        encoding=encoding,
        delimiter="",
        headers=list(headers),
        sample=sample,
        rows_estimate=_estimate(size, 0, last_offset, min(index + 1, JSONL_HEADER_LINES)),
    )


def _detect_xlsx(handle: BinaryIO) -> Shape:
    with XlsxReader(handle) as reader:
        headers = reader.read_header()
        sample, _ = _sample(reader.records())
        return Shape(
            encoding="",
            delimiter="",
            headers=headers,
            sample=sample,
            rows_estimate=max(reader.max_row - 1, len(sample)),
        )


def _sample(records: Iterator[Record]) -> tuple[list[dict[str, str]], int]:
    sample: list[dict[str, str]] = []
    last_offset = 0
    for record in records:
        last_offset = record.offset
        if record.values is not None:
            sample.append(record.values)
        if len(sample) >= SAMPLE_ROWS:
            break
    return sample, last_offset


def _estimate(size: int, start: int, offset: int, rows: int) -> int:
    if not rows or offset <= start:
        return rows
    if offset >= size:
        return rows
    return round((size - start) * rows / (offset - start))


def _size(handle: BinaryIO) -> int:
    position = handle.tell()
    size = handle.seek(0, io.SEEK_END)
    handle.seek(position)
    return size


# --- reading --------------------------------------------------------------------------------


def read_records(
    handle: BinaryIO,
    *,
    file_format: str,
    encoding: str,
    delimiter: str,
    skip_through_line: int = 0,
    start_offset: int = 0,
) -> Iterator[Record]:
    """The file's records after the header, skipping those that start on or before
    `skip_through_line`. A resumed read passes the byte offset just after that line as
    `start_offset` (Record.offset / last_line of the last record it kept), so it seeks there
    instead of reading the file again from the start."""
    handle.seek(0)
    if file_format == FileFormat.XLSX:
        yield from _xlsx_records(handle, skip_through_line)
        return
    head = handle.read(HEAD_BYTES)
    resolved = resolve_encoding(head, encoding, complete=len(head) < HEAD_BYTES)
    handle.seek(0)
    if file_format == FileFormat.JSONL:
        records = _jsonl_records(
            handle, resolved, start_line=skip_through_line, start_offset=start_offset
        )
    else:
        reader = CsvReader(handle, encoding=resolved, delimiter=delimiter or ",")
        reader.read_header()
        if start_offset > reader.header_end:
            reader.seek(start_offset, next_line=skip_through_line + 1)
        records = reader.records()
    for record in records:
        if record.line > skip_through_line:
            yield record


def _decode(data: bytes, encoding: str, *, final: bool = True) -> str:
    if encoding in (Encoding.UTF8, Encoding.UTF8_SIG):
        data = data.removeprefix(UTF8_BOM)
        return codecs.getincrementaldecoder("utf-8")("replace").decode(data, final=final)
    return data.decode(encoding, CP1252_FALLBACK if encoding == Encoding.CP1252 else "replace")


class _Lines:
    """The file's physical lines as text, for csv.reader, counting lines and bytes as they are
    taken so a record knows the line it started on and the offset after it. csv.reader takes
    exactly the lines of one record before yielding it, so what was taken since the last record
    is that record."""

    def __init__(self, handle: BinaryIO, *, encoding: str, newline: bytes):
        self.handle = handle
        # Bound once: a Django File reaches its file's readline through a property per call.
        self.readline = handle.readline
        self.newline = newline
        self.codec = "utf-8" if encoding in (Encoding.UTF8, Encoding.UTF8_SIG) else encoding
        self.errors = CP1252_FALLBACK if encoding == Encoding.CP1252 else "strict"
        self.next_line = 1
        self.offset = 0
        self.pending = b""
        self.begin()

    def begin(self) -> None:
        """A new record starts with the next line taken."""
        self.start_line = self.next_line
        self.raw: list[str] = []
        self.raw_length = 0
        self.problem = ""

    def seek(self, offset: int, *, next_line: int) -> None:
        self.handle.seek(offset)
        self.offset, self.next_line, self.pending = offset, next_line, b""
        self.begin()

    def skip_bom(self) -> None:
        if self.handle.read(len(UTF8_BOM)) == UTF8_BOM:
            self.offset = len(UTF8_BOM)
        else:
            self.handle.seek(0)

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self.newline == b"\n":
            data = self.readline(MAX_LINE_BYTES)
            if len(data) == MAX_LINE_BYTES and not data.endswith(b"\n"):
                self.offset += len(data)
                data = self._rest_of_line()
            elif not data:
                raise StopIteration
        else:
            data = self._split_line()
        self.next_line += 1
        self.offset += len(data)
        try:
            text = data.decode(self.codec, self.errors)
        except UnicodeDecodeError:
            text = data.decode(self.codec, "replace")
            self.problem = self.problem or (
                f"holds bytes that are not {self.codec.upper()}; choose the file's encoding "
                "(Windows-1252 or Latin-1?)"
            )
        if "\x00" in text:
            self.problem = self.problem or NUL
        if self.raw_length < MAX_RAW:
            self.raw.append(text)
            self.raw_length += len(text)
        return text

    def record_raw(self) -> str:
        """The record as it stands in the file, without its line end, cut to MAX_RAW."""
        text = self.raw[0] if len(self.raw) == 1 else "".join(self.raw)
        return text.rstrip("\r\n")[:MAX_RAW]

    def _rest_of_line(self) -> bytes:
        """Skip the rest of an over-long line, counting its bytes, and hand the reader only the
        line end; the record is refused."""
        self.problem = TOO_LONG
        while True:
            more = self.handle.readline(MAX_LINE_BYTES)
            if not more or more.endswith(b"\n"):
                ending = more[len(more.rstrip(b"\r\n")) :]
                self.offset += len(more) - len(ending)
                return ending
            self.offset += len(more)

    def _split_line(self) -> bytes:
        # Files whose lines end with CR alone: readline only knows LF, so split by hand.
        while True:
            cut = self.pending.find(self.newline)
            if cut >= 0:
                data, self.pending = self.pending[: cut + 1], self.pending[cut + 1 :]
                return data
            if len(self.pending) > MAX_LINE_BYTES:
                self.problem = TOO_LONG
                data, self.pending = self.pending, b""
                return data
            chunk = self.handle.read(HEAD_BYTES)
            if not chunk:
                if not self.pending:
                    raise StopIteration
                data, self.pending = self.pending, b""
                return data
            self.pending += chunk


class CsvReader:
    """A CSV file read record by record: the header first, then the rows as Records."""

    def __init__(self, handle: BinaryIO, *, encoding: str, delimiter: str):
        handle.seek(0)
        head = handle.read(HEAD_BYTES)
        handle.seek(0)
        newline = b"\r" if b"\r" in head and b"\n" not in head else b"\n"
        self.lines = _Lines(handle, encoding=encoding, newline=newline)
        if encoding in (Encoding.UTF8, Encoding.UTF8_SIG):
            self.lines.skip_bom()
        self.reader = csv.reader(self.lines, delimiter=delimiter, strict=False)
        self.headers: list[str] = []
        self.header_end = 0

    def read_header(self) -> list[str]:
        """The first non-empty record, as unique column names."""
        for record in self._rows():
            if isinstance(record, str):
                raise FileRejected(f"The header (line {self.lines.start_line}) {record}.")
            if any(cell.strip() for cell in record):
                self.headers = unique_headers(record)
                self.header_end = self.lines.offset
                return self.headers
        raise FileRejected("The file holds no header line.")

    def seek(self, offset: int, *, next_line: int) -> None:
        self.lines.seek(offset, next_line=next_line)

    def records(self) -> Iterator[Record]:
        headers, width, lines = self.headers, len(self.headers), self.lines
        for row in self._rows():
            if isinstance(row, str):
                error = row
            elif not any(row) or not "".join(row).strip():
                continue  # blank line, or a row of empty cells
            elif len(row) != width:
                error = f"has {len(row)} fields where the header has {width}"
            else:
                values = dict(zip(headers, row, strict=True))
                yield Record(
                    lines.start_line,
                    values,
                    "",
                    lines.record_raw(),
                    lines.offset,
                    lines.next_line - 1,
                )
                continue
            raw = lines.record_raw()
            yield Record(lines.start_line, None, error, raw, lines.offset, lines.next_line - 1)

    def _rows(self) -> Iterator[list[str] | str]:
        """Rows from csv.reader, or the reason a record cannot be parsed (and reading goes on)."""
        lines, reader = self.lines, self.reader
        while True:
            lines.begin()
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield f"cannot be read as CSV: {exc}"
                continue
            yield lines.problem or row


def unique_headers(cells: Sequence[str]) -> list[str]:
    """Column names trimmed; blank ones named by position, repeated ones numbered."""
    names: list[str] = []
    seen: set[str] = set()
    for position, cell in enumerate(cells, start=1):
        name = cell.strip().lstrip("\ufeff").strip() or f"Column {position}"
        candidate, copy = name, 1
        while candidate in seen:
            copy += 1
            candidate = f"{name} ({copy})"
        seen.add(candidate)
        names.append(candidate)
    return names


# --- JSON lines -----------------------------------------------------------------------------


def _jsonl_records(
    handle: BinaryIO, encoding: str, *, start_line: int = 0, start_offset: int = 0
) -> Iterator[Record]:
    lines = _Lines(handle, encoding=encoding, newline=b"\n")
    if start_offset > 0:
        lines.seek(start_offset, next_line=start_line + 1)
    elif encoding in (Encoding.UTF8, Encoding.UTF8_SIG):
        lines.skip_bom()
    for text in lines:
        line = lines.next_line - 1
        raw = lines.record_raw()
        problem = lines.problem
        lines.begin()
        if not text.strip():
            continue
        values, error = (None, problem) if problem else _json_object(text)
        yield Record(
            line=line, values=values, error=error, raw=raw, offset=lines.offset, last_line=line
        )


def _json_object(text: str) -> tuple[dict[str, str] | None, str]:
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        return None, f"is not valid JSON: {exc.msg} (character {exc.pos + 1})"
    except RecursionError:
        return None, "is not valid JSON: nested too deeply"
    if not isinstance(value, dict):
        return None, "is not a JSON object; each line must hold one {…} object"
    values = {key: cell_text(item) for key, item in value.items()}
    if any("\x00" in key or "\x00" in item for key, item in values.items()):
        return None, NUL
    return values, ""


# --- XLSX -----------------------------------------------------------------------------------


class XlsxReader:
    """The first sheet of a workbook, read row by row (openpyxl read-only mode)."""

    def __init__(self, handle: BinaryIO):
        from openpyxl import load_workbook

        self.size = _size(handle)
        try:
            self.workbook = load_workbook(handle, read_only=True, data_only=True)
            self.sheet = self.workbook.worksheets[0]
        except Exception as exc:  # openpyxl raises many kinds for a file it cannot open
            raise FileRejected(
                f"This is not an Excel workbook (.xlsx) that can be read: {exc}"
            ) from exc
        # The dimension written in the file gives the progress bar its end; some writers get it
        # wrong, so it is forgotten before reading (or rows past it would be dropped).
        self.max_row = self.sheet.max_row or 0
        self.sheet.reset_dimensions()
        self.headers: list[str] = []

    def __enter__(self) -> XlsxReader:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.workbook.close()

    def read_header(self) -> list[str]:
        try:
            first = next(self.sheet.iter_rows(min_row=1, max_row=1, values_only=True), ())
        except Exception as exc:
            raise FileRejected(f"The first sheet cannot be read: {exc}") from exc
        cells = [cell_text(value) for value in first]
        while cells and not cells[-1].strip():
            cells.pop()
        if not cells:
            raise FileRejected("Row 1 of the first sheet is empty; it must hold the column names.")
        self.headers = unique_headers(cells)
        return self.headers

    def records(self, skip_through_line: int = 0) -> Iterator[Record]:
        width = len(self.headers)
        first = max(2, skip_through_line + 1)
        number = first - 1
        rows = self.sheet.iter_rows(min_row=first, values_only=True)
        try:
            for number, row in enumerate(rows, start=first):
                cells = [cell_text(value) for value in row]
                if not any(cell.strip() for cell in cells):
                    continue
                yield self._record(number, cells, width)
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, KeyError) as exc:
            raise FileRejected(f"The workbook is damaged after row {number}: {exc}") from exc

    def _record(self, number: int, cells: list[str], width: int) -> Record:
        error = ""
        if any(cell.strip() for cell in cells[width:]):
            error = f"has values beyond the last named column ({width} columns)"
        elif any("\x00" in cell for cell in cells):
            error = NUL
        cells = (cells + [""] * width)[:width] if not error else cells
        raw = _csv_line(cells)
        offset = min(self.size, self.size * number // self.max_row) if self.max_row else 0
        return Record(
            line=number,
            values=None if error else dict(zip(self.headers, cells, strict=True)),
            error=error,
            raw=raw,
            offset=offset,
            last_line=number,
        )


def _xlsx_records(handle: BinaryIO, skip_through_line: int) -> Iterator[Record]:
    with XlsxReader(handle) as reader:
        reader.read_header()
        yield from reader.records(skip_through_line)


def _csv_line(cells: list[str]) -> str:
    out = io.StringIO()
    csv.writer(out, lineterminator="").writerow(cells)
    return out.getvalue()[:MAX_RAW]


def cell_text(value: Any) -> str:
    """A spreadsheet or JSON value as the text a person would type: dates in ISO 8601, whole
    numbers without ".0", nested JSON as JSON text, nothing as ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else repr(value)
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat()
    if isinstance(value, date | time):
        return value.isoformat()
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    return str(value)
