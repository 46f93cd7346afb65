"""Reading files: detection of encoding, delimiter and header; CSV, XLSX and JSON lines records
with their physical line numbers; bad records reported, not raised; resumed reads."""

import datetime
import io

import pytest

from rapport.imports.readers import (
    MAX_RAW,
    FileRejected,
    Record,
    detect,
    read_records,
    resolve_encoding,
    sniff_delimiter,
)
from rapport.imports.tests.factories import csv_bytes, jsonl_bytes, xlsx_bytes


def records(data: bytes, file_format: str = "csv", **choices) -> list[Record]:
    shape = detect(io.BytesIO(data), file_format=file_format, **choices)
    return list(
        read_records(
            io.BytesIO(data),
            file_format=file_format,
            encoding=shape.encoding,
            delimiter=shape.delimiter,
        )
    )


class TestEncodings:
    def test_a_utf8_bom_is_detected_and_not_part_of_the_first_header(self):
        data = "id,name\r\n1,Zoë\r\n".encode("utf-8-sig")
        shape = detect(io.BytesIO(data), file_format="csv")
        assert (shape.encoding, shape.headers) == ("utf-8-sig", ["id", "name"])
        assert [r.values for r in records(data)] == [{"id": "1", "name": "Zoë"}]

    def test_valid_utf8_without_bom_is_read_as_utf8(self):
        assert detect(io.BytesIO("a,b\n1,ç\n".encode()), file_format="csv").encoding == "utf-8"

    def test_bytes_that_are_not_utf8_are_read_as_windows_1252(self):
        data = "name,note\nRenée,“quoted” – €5\n".encode("cp1252")
        shape = detect(io.BytesIO(data), file_format="csv")
        assert shape.encoding == "cp1252"
        assert records(data)[0].values == {"name": "Renée", "note": "“quoted” – €5"}

    def test_the_five_bytes_cp1252_leaves_undefined_read_as_latin1_does(self):
        data = b"name\nx\x81\x8d\x8f\x90\x9dy\n"
        assert records(data)[0].values == {"name": "x\x81\x8d\x8f\x90\x9dy"}

    def test_latin1_chosen_by_the_person_is_used(self):
        data = "city\nMünchen\n".encode("latin-1")
        assert records(data, encoding="latin-1")[0].values == {"city": "München"}

    def test_a_cut_inside_a_character_at_64_kib_is_still_utf8(self):
        head = ("a" * (64 * 1024 - 1) + "é").encode()[: 64 * 1024]
        assert resolve_encoding(head, "auto", complete=False) == "utf-8"

    def test_a_utf8_file_with_a_bad_byte_further_on_reports_that_row(self):
        data = ("name\n" + "ok\n" * 30_000).encode() + b"caf\xe9\nlast\n"
        read = records(data, encoding="utf-8")
        assert read[-2].error.startswith("holds bytes that are not UTF-8")
        assert (read[-2].line, read[-1].values) == (30_002, {"name": "last"})


class TestDelimiters:
    @pytest.mark.parametrize("delimiter", [",", ";", "\t", "|"])
    def test_each_delimiter_is_sniffed(self, delimiter):
        data = csv_bytes(
            [["1", "A, B; C|D", "x"]] * 3, header=["id", "name", "c"], delimiter=delimiter
        )
        shape = detect(io.BytesIO(data), file_format="csv")
        assert shape.delimiter == delimiter
        assert shape.sample[0] == {"id": "1", "name": "A, B; C|D", "c": "x"}

    def test_the_column_counts_decide_when_the_sniffer_cannot(self):
        text = 'id;name;note\n1;Ada;x\n2;Bob\n3;"Cy;D";y\n'
        assert sniff_delimiter(text) == ";"

    def test_a_single_column_file_reads_with_a_comma(self):
        assert detect(io.BytesIO(b"email\na@x.org\nb@x.org\n"), file_format="csv").delimiter == ","

    def test_a_delimiter_chosen_by_the_person_wins(self):
        shape = detect(io.BytesIO(b"a,b|c\n1,2|3\n"), file_format="csv", delimiter="|")
        assert shape.headers == ["a,b", "c"]


class TestLinesAndRecords:
    def test_line_numbers_are_where_each_record_starts(self):
        data = b'id,note\r\n1,"two\r\nlines"\r\n\r\n2,plain\r\n3,"three\nmore\nlines"\r\n4,end'
        read = records(data)
        assert [(r.line, r.last_line) for r in read] == [(2, 3), (5, 5), (6, 8), (9, 9)]
        assert read[0].values == {"id": "1", "note": "two\r\nlines"}
        assert read[-1].values == {"id": "4", "note": "end"}

    def test_lines_ending_in_cr_alone_are_lines(self):
        read = records(b'a|b\rx|y\r"q\rr"|z\r')
        assert [(r.line, r.values) for r in read] == [
            (2, {"a": "x", "b": "y"}),
            (3, {"a": "q\rr", "b": "z"}),
        ]

    def test_rows_with_too_many_or_too_few_fields_are_bad_records(self):
        read = records(b"a,b,c\n1,2,3\n1,2\n1,2,3,4\n5,6,7\n")
        assert [(r.line, r.error) for r in read] == [
            (2, ""),
            (3, "has 2 fields where the header has 3"),
            (4, "has 4 fields where the header has 3"),
            (5, ""),
        ]
        assert read[1].values is None and read[1].raw == "1,2"

    def test_rows_of_empty_cells_are_skipped(self):
        assert [r.line for r in records(b"a,b\n,\n\n1,2\n , \n")] == [4]

    def test_a_nul_character_makes_a_bad_record(self):
        data = b"a,b\n" + b"1,2\n" * 20_000 + b"3,\x004\n5,6\n"  # past what detection reads
        bad = [r for r in records(data) if r.error]
        assert [(r.line, r.error) for r in bad] == [
            (20_002, "holds a NUL character; is this a text file?")
        ]

    def test_an_unclosed_quote_is_reported_and_bounded(self):
        data = b'a,b\n1,"never closed\n' + b"x" * 200_000 + b"\n2,3\n"
        read = records(data)
        assert read[0].error.startswith("cannot be read as CSV: field larger than field limit")
        assert len(read[0].raw) == MAX_RAW

    def test_blank_and_repeated_headers_get_names(self):
        shape = detect(io.BytesIO(b"id,,id, name \n1,2,3,4\n"), file_format="csv")
        assert shape.headers == ["id", "Column 2", "id (2)", "name"]

    def test_the_raw_text_is_cut_to_2000_characters(self):
        read = records(b"a,b\n1," + b"y" * 5_000 + b"\n")
        assert read[0].values == {"a": "1", "b": "y" * 5_000}
        assert len(read[0].raw) == MAX_RAW

    def test_offsets_end_each_record_and_the_last_is_the_file_size(self):
        data = b"a,b\r\n1,2\r\n3,4\r\n"
        assert [r.offset for r in records(data)] == [10, 15]


class TestResumedReads:
    def test_seeking_to_the_checkpoint_reads_what_skipping_reads(self):
        rows = [[str(n), f"line\n{n}" if n % 3 == 0 else "plain"] for n in range(1, 200)]
        data = csv_bytes(rows, header=["id", "text"])
        everything = records(data)
        checkpoint = everything[90]

        def resumed(**position) -> list[Record]:
            return list(
                read_records(
                    io.BytesIO(data), file_format="csv", encoding="utf-8", delimiter=",", **position
                )
            )

        skipped = resumed(skip_through_line=checkpoint.last_line)
        sought = resumed(skip_through_line=checkpoint.last_line, start_offset=checkpoint.offset)
        assert skipped == sought == everything[91:]

    def test_a_jsonl_read_resumes_after_its_line(self):
        data = jsonl_bytes([{"n": n} for n in range(10)])
        everything = records(data, "jsonl")
        resumed = list(
            read_records(
                io.BytesIO(data),
                file_format="jsonl",
                encoding="utf-8",
                delimiter="",
                skip_through_line=4,
                start_offset=everything[3].offset,
            )
        )
        assert resumed == everything[4:]


class TestRejectedFiles:
    @pytest.mark.parametrize(
        ("data", "reason"),
        [
            (b"", "The file is empty."),
            (b"  \r\n\n", "The file is empty."),
            (b"a,b\x00c\n", "binary data"),
            (b"PK\x03\x04rest", "choose the XLSX format"),
        ],
    )
    def test_files_that_cannot_be_read_as_csv(self, data, reason):
        with pytest.raises(FileRejected, match=reason):
            detect(io.BytesIO(data), file_format="csv")

    def test_a_csv_chosen_as_a_workbook_is_refused(self):
        with pytest.raises(FileRejected, match="not an Excel workbook"):
            detect(io.BytesIO(b"a,b\n1,2\n"), file_format="xlsx")


class TestXlsx:
    def test_cells_become_the_text_a_person_would_type(self):
        data = xlsx_bytes(
            [
                ["id", "born", "seen", "amount", "ratio", "vip", "note", None],
                [
                    12.0,
                    datetime.datetime(1990, 3, 4),
                    datetime.datetime(2025, 1, 2, 13, 5),
                    7,
                    0.25,
                    True,
                    None,
                ],
                [],
                ["13", None, None, 1.5, None, False, "x", None],
            ]
        )
        shape = detect(io.BytesIO(data), file_format="xlsx")
        assert shape.headers == ["id", "born", "seen", "amount", "ratio", "vip", "note"]
        read = records(data, "xlsx")
        assert [(r.line, r.values) for r in read] == [
            (
                2,
                {
                    "id": "12",
                    "born": "1990-03-04",
                    "seen": "2025-01-02T13:05:00",
                    "amount": "7",
                    "ratio": "0.25",
                    "vip": "true",
                    "note": "",
                },
            ),
            (
                4,
                {
                    "id": "13",
                    "born": "",
                    "seen": "",
                    "amount": "1.5",
                    "ratio": "",
                    "vip": "false",
                    "note": "x",
                },
            ),
        ]
        assert read[-1].offset == len(data)

    def test_values_beyond_the_named_columns_make_a_bad_record(self):
        read = records(xlsx_bytes([["a", "b"], [1, 2], [1, 2, 3]]), "xlsx")
        assert [(r.line, r.error) for r in read] == [
            (2, ""),
            (3, "has values beyond the last named column (2 columns)"),
        ]

    def test_an_empty_first_row_is_refused(self):
        with pytest.raises(FileRejected, match="Row 1"):
            detect(io.BytesIO(xlsx_bytes([[], ["a"]])), file_format="xlsx")

    def test_a_resumed_read_starts_after_the_row(self):
        data = xlsx_bytes([["n"], *[[n] for n in range(1, 11)]])
        resumed = read_records(
            io.BytesIO(data), file_format="xlsx", encoding="", delimiter="", skip_through_line=6
        )
        assert [r.values for r in resumed] == [{"n": str(n)} for n in range(6, 11)]


class TestJsonLines:
    def test_headers_are_the_union_of_keys_and_values_become_text(self):
        data = jsonl_bytes(
            [{"id": 1, "name": "Ada"}, {"id": 2.0, "tags": ["a", "b"], "x": None, "ok": False}]
        )
        shape = detect(io.BytesIO(data), file_format="jsonl")
        assert shape.headers == ["id", "name", "tags", "x", "ok"]
        assert [r.values for r in records(data, "jsonl")] == [
            {"id": "1", "name": "Ada"},
            {"id": "2", "tags": '["a", "b"]', "x": "", "ok": "false"},
        ]

    def test_a_line_that_is_not_an_object_is_a_bad_record(self):
        data = b'{"a": 1}\n[1, 2]\n\n{"a": \n"text"\n{"a": 2}\r\n'
        assert [(r.line, r.error) for r in records(data, "jsonl")] == [
            (1, ""),
            (2, "is not a JSON object; each line must hold one {…} object"),
            (4, "is not valid JSON: Expecting value (character 8)"),
            (5, "is not a JSON object; each line must hold one {…} object"),
            (6, ""),
        ]

    def test_a_json_array_file_is_refused_with_a_hint(self):
        with pytest.raises(FileRejected, match="one JSON array"):
            detect(io.BytesIO(b'[{"a": 1},\n{"a": 2}]\n'), file_format="jsonl")
