"""CSV cells that a spreadsheet would run as formulas are written as text."""

import csv
import io

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from rapport.core.csv import FORMULA_TRIGGERS, csv_text, neutralise_cell


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r"])
def test_every_trigger_character_is_prefixed_with_a_quote(trigger):
    cell = f"{trigger}SUM(A1:A9)"

    assert neutralise_cell(cell) == "'" + cell


def test_the_trigger_list_is_the_owasp_one():
    assert set(FORMULA_TRIGGERS) == {"=", "+", "-", "@", "\t", "\r"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("Smith", "Smith"),
        ("a=b", "a=b"),
        ("O'Brien", "O'Brien"),
        ("", ""),
        (None, ""),
        (42, "42"),
        (-3, "'-3"),
        (" =1+1", " =1+1"),
    ],
)
def test_other_values_are_written_as_their_text(value, expected):
    assert neutralise_cell(value) == expected


@settings(database=None, max_examples=200)
@given(st.text(max_size=30))
def test_neutralised_cell_never_starts_with_a_trigger_and_keeps_the_text(text):
    cell = neutralise_cell(text)

    assert not cell.startswith(FORMULA_TRIGGERS)
    assert cell in (text, "'" + text)


def test_csv_text_neutralises_header_and_every_row():
    text = csv_text(["name", "=evil"], [['=HYPERLINK("http://x")', "@SUM(1)"], ["plain", 3]])

    rows = list(csv.reader(io.StringIO(text)))
    assert rows == [["name", "'=evil"], ['\'=HYPERLINK("http://x")', "'@SUM(1)"], ["plain", "3"]]
