"""Properties of the reader: whatever text the cells hold, a file written by csv.writer (in every
encoding that can hold the text, CRLF or LF, with or without BOM, with each delimiter) reads back
equal, each record on the physical line it starts on; JSON lines read back their objects; and
bytes that are not a valid file never raise out of reading (detection refuses them, or they come
back as records with an error)."""

import csv
import io
import json
from typing import NamedTuple

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rapport.imports.readers import FileRejected, Record, detect, read_records
from rapport.imports.tests.factories import xlsx_bytes

SPECIAL = ['"', ",", ";", "\t", "|", "\r", "\n", "\r\n", "\ufeff", " ", "\x85", "\u2028", "'"]
CELL_CHARACTERS = st.one_of(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"),
    st.sampled_from(SPECIAL),
)
cells = st.lists(CELL_CHARACTERS, max_size=12).map("".join)
headers = st.lists(
    st.from_regex(r"[A-Za-z][A-Za-z0-9_]{0,8}", fullmatch=True),
    min_size=1,
    max_size=5,
    unique_by=str.casefold,
)
ENCODINGS = ["utf-8", "utf-8-sig", "latin-1", "cp1252"]
PROPERTY_SETTINGS = settings(
    max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


@st.composite
def csv_files(draw, *, min_columns: int = 1):
    header = draw(headers.filter(lambda names: len(names) >= min_columns))
    newline = draw(st.sampled_from(["\r\n", "\n"]))
    row_cells = cells if newline == "\r\n" else cells.map(lambda text: text.replace("\r", ""))
    rows = draw(
        st.lists(st.lists(row_cells, min_size=len(header), max_size=len(header)), max_size=15)
    )
    delimiter = draw(st.sampled_from([",", ";", "\t", "|"]))
    text, starts = _written(header, rows, delimiter=delimiter, newline=newline)
    encoding = draw(st.sampled_from([name for name in ENCODINGS if _holds(name, text)]))
    data = text.encode(encoding)  # utf-8-sig writes the BOM
    expected = [
        (line, dict(zip(header, row, strict=True)))
        for line, row in zip(starts, rows, strict=True)
        if "".join(row).strip()  # rows of blank cells are skipped
    ]
    return CsvCase(text, data, encoding, delimiter, header, expected)


class CsvCase(NamedTuple):
    text: str
    data: bytes
    encoding: str
    delimiter: str
    header: list[str]
    expected: list[tuple[int, dict[str, str]]]


def _written(header, rows, *, delimiter, newline) -> tuple[str, list[int]]:
    """The file's text and the physical line each row starts on (counting LF)."""
    out = io.StringIO()
    writer = csv.writer(out, delimiter=delimiter, lineterminator=newline)
    writer.writerow(header)
    starts = []
    for row in rows:
        starts.append(out.getvalue().count("\n") + 1)
        writer.writerow(row)
    return out.getvalue(), starts


def _holds(encoding: str, text: str) -> bool:
    try:
        text.encode(encoding)
    except UnicodeEncodeError:
        return False
    return True


def _read(data: bytes, file_format: str, encoding: str, delimiter: str) -> list[Record]:
    return list(
        read_records(
            io.BytesIO(data), file_format=file_format, encoding=encoding, delimiter=delimiter
        )
    )


@PROPERTY_SETTINGS
@given(csv_files())
def test_a_written_csv_reads_back_equal_on_the_lines_it_was_written(case):
    read = _read(case.data, "csv", case.encoding, case.delimiter)
    assert [(record.line, record.values) for record in read] == case.expected
    assert all(record.error == "" for record in read)


@PROPERTY_SETTINGS
@given(csv_files(min_columns=2), st.booleans())
def test_detection_finds_the_delimiter_and_header_of_a_utf8_file(case, bom):
    data = (b"\xef\xbb\xbf" if bom else b"") + case.text.encode("utf-8")
    shape = detect(io.BytesIO(data), file_format="csv")
    assert (shape.encoding, shape.delimiter, shape.headers) == (
        "utf-8-sig" if bom else "utf-8",
        case.delimiter,
        case.header,
    )
    assert shape.sample == [values for _, values in case.expected][:10]


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**15), max_value=10**15) | cells,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(cells, inner, max_size=3),
    max_leaves=4,
)
json_objects = st.dictionaries(cells.filter(lambda key: "\x00" not in key), json_values, max_size=5)


def _as_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | str):
        return str(value)
    return json.dumps(value, ensure_ascii=False)


@PROPERTY_SETTINGS
@given(
    st.lists(st.tuples(json_objects, st.booleans(), st.booleans()), min_size=1, max_size=12),
    st.booleans(),
)
def test_json_lines_read_back_their_objects_on_their_lines(objects, crlf):
    lines, expected = [], []
    for item, ascii_only, blank_after in objects:
        lines.append(json.dumps(item, ensure_ascii=ascii_only))
        expected.append((len(lines), {key: _as_text(value) for key, value in item.items()}))
        if blank_after:
            lines.append("")
    data = ("\r\n" if crlf else "\n").join(lines).encode()
    read = _read(data, "jsonl", "utf-8", "")
    assert [(record.line, record.values) for record in read] == expected


@st.composite
def damaged(draw, valid: bytes):
    """A valid file cut short, with some of its bytes replaced."""
    data = bytearray(valid[: draw(st.integers(min_value=0, max_value=len(valid)))])
    for _ in range(draw(st.integers(min_value=0, max_value=4))):
        if data:
            data[draw(st.integers(min_value=0, max_value=len(data) - 1))] = draw(
                st.integers(min_value=0, max_value=255)
            )
    return bytes(data)


VALID_CSV = 'id;name\r\n1;"Zoë\r\n;""x"""\r\n2;Bob\r\n'.encode() * 5
VALID_JSONL = b'{"id": 1, "name": "Zo\\u00eb"}\n{"id": [2], "x": {"y": null}}\n' * 5
VALID_XLSX = xlsx_bytes([["id", "name"], *[[n, f"name {n}"] for n in range(30)]])
ANY_BYTES = st.binary(max_size=2_000)


def _every_record_is_read_or_refused(data: bytes, file_format: str) -> None:
    try:
        shape = detect(io.BytesIO(data), file_format=file_format)
    except FileRejected as rejected:
        assert rejected.reason
        return
    read = _read(data, file_format, shape.encoding, shape.delimiter)
    assert [record.line for record in read] == sorted({record.line for record in read})
    for record in read:
        assert (record.values is None) == bool(record.error)
        assert record.values is None or all(isinstance(v, str) for v in record.values.values())
        assert 0 <= record.offset <= len(data)


@PROPERTY_SETTINGS
@given(st.one_of(ANY_BYTES, damaged(VALID_CSV)))
def test_damaged_csv_never_raises_while_reading(data):
    _every_record_is_read_or_refused(data, "csv")


@PROPERTY_SETTINGS
@given(st.one_of(ANY_BYTES, damaged(VALID_JSONL)))
def test_damaged_json_lines_never_raise_while_reading(data):
    _every_record_is_read_or_refused(data, "jsonl")


@settings(max_examples=60, deadline=None)
@given(st.one_of(ANY_BYTES, damaged(VALID_XLSX)))
def test_a_damaged_workbook_is_refused_as_a_file_never_with_another_error(data):
    # A workbook is a zip archive: damage is found when it is opened, or (a bad block part way)
    # when that block is read, which stops the whole file with FileRejected.
    try:
        _every_record_is_read_or_refused(data, "xlsx")
    except FileRejected as rejected:
        assert "damaged" in rejected.reason
