"""The score cells of a QA export, on their own: whatever they hold, a score from 0 to 100 to two
places or a reason that names the cell."""

from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from rapport.imports.sources.base import RowError
from rapport.imports.sources.qa_scores import _score

cells = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "86", "86%", "86,5", "1e30", "-1", "100.005", "0", "7", "8", "NaN"]),
)


@given(score=cells, points=cells, most=cells)
def test_any_score_cells_give_a_score_from_0_to_100_or_a_reason(score, points, most):
    try:
        found = _score({"score": score, "points": points, "max_points": most})
    except RowError as exc:
        assert str(exc).split(" ")[0] in {"score", "points", "max_points"}
        return
    assert Decimal(0) <= found <= Decimal(100)
    assert found == found.quantize(Decimal("0.01"))


def test_points_out_of_max_points_are_a_percentage():
    assert _score({"points": "7", "max_points": "8"}) == Decimal("87.50")
    assert _score({"score": "92%"}) == Decimal("92.00")
