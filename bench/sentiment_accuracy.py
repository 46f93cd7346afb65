#!/usr/bin/env python
"""How well the sentiment of rapport.insights.text reads labelled public text.

    .venv/bin/python bench/sentiment_accuracy.py

For each corpus in bench/data/sentiment/ (Yelp, IMDB and Amazon sentences, ~1,000 each, from the
npm package `sentiment` 5.0.2; see the README there) prints, for plain VADER and for text_score
(VADER plus the contact-center layer): n, accuracy with its Wilson 95% interval, precision and
recall of "positive", and the mean time per sentence.

Binary reading, as the `sentiment` package's own validation does: compound ≥ 0 is positive.
These are product and film reviews, not contact-center conversations: the figures show the layer
does not break general English; the contact-center cases are in rapport/insights/tests/test_text.py.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from statsmodels.stats.proportion import proportion_confint  # noqa: E402
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer  # noqa: E402

from rapport.insights.text import text_score  # noqa: E402

DATA = ROOT / "bench" / "data" / "sentiment"
CORPORA = ("yelp", "imdb", "amazon")


def _load(name: str) -> list[tuple[str, int]]:
    rows = json.loads((DATA / f"{name}.json").read_text(encoding="utf-8"))
    # Each file ends with an empty, unlabelled row: it is not a sentence.
    return [(row["text"], int(row["class"])) for row in rows if row.get("class") in (0, 1)]


def _run(score: Callable[[str], float], rows: list[tuple[str, int]]) -> dict[str, float]:
    started = time.perf_counter()
    predicted = [1 if score(text) >= 0 else 0 for text, _label in rows]
    elapsed = time.perf_counter() - started
    labels = [label for _text, label in rows]
    pairs = list(zip(predicted, labels, strict=True))
    tp = sum(1 for p, y in pairs if p == 1 and y == 1)
    fp = sum(1 for p, y in pairs if p == 1 and y == 0)
    fn = sum(1 for p, y in pairs if p == 0 and y == 1)
    correct = sum(1 for p, y in pairs if p == y)
    low, high = proportion_confint(correct, len(rows), alpha=0.05, method="wilson")
    return {
        "n": len(rows),
        "accuracy": correct / len(rows),
        "low": float(low),
        "high": float(high),
        "precision": tp / (tp + fp) if tp + fp else float("nan"),
        "recall": tp / (tp + fn) if tp + fn else float("nan"),
        "ms": elapsed / len(rows) * 1000,
    }


def main() -> None:
    vader = SentimentIntensityAnalyzer()
    scorers: dict[str, Callable[[str], float]] = {
        "VADER": lambda text: vader.polarity_scores(text)["compound"],
        "text_score": lambda text: text_score(text).compound,
    }
    print(
        f"{'corpus':8} {'scorer':11} {'n':>5} {'accuracy':>8} {'95% CI':>15} "
        f"{'precision':>9} {'recall':>7} {'ms/sentence':>11}"
    )
    for corpus in CORPORA:
        rows = _load(corpus)
        for name, score in scorers.items():
            r = _run(score, rows)
            print(
                f"{corpus:8} {name:11} {r['n']:5d} {r['accuracy']:8.3f} "
                f"[{r['low']:.3f}, {r['high']:.3f}] {r['precision']:9.3f} {r['recall']:7.3f} "
                f"{r['ms']:11.3f}"
            )


if __name__ == "__main__":
    main()
