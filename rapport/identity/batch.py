"""Duplicate customers across the whole customer base, in one batch, with splink on DuckDB.

The model is the one in matching.py, run in SQL so it scales: the same fields, comparison
levels and m and u probabilities, and the same prior (the share of customers with a duplicate
estimated from the candidate pairs by matching.estimate_share), so a pair scores the same here
as with `matching.find_pairs` and one review threshold means one thing in both. The candidate
pairs are matching.py's blocking keys, joined in DuckDB (blocks over matching.MAX_BLOCK members
skipped) and handed to splink as its blocked pairs.

With `estimate_u=True` the u probabilities are instead estimated from the data by splink's
random sampling (seeded, so runs repeat); the levels that describe people living together keep
the fixed values, since random pairs cannot show them. It is slower and was no more accurate on
the benchmarks (bench/identity_accuracy.py), so it is off by default.

Customers are read from the database in two streamed queries and written to DuckDB in
chunks; nothing holds every customer as a Python object. Each pair's explanation is built
from splink's per-comparison match weights (its waterfall data) in matching.py's format.
Nothing here is random: runs over the same customers give the same pairs, scores and words.
"""

from __future__ import annotations

import logging
import math
import tempfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import duckdb
import pyarrow as pa

from rapport.identity import matching
from rapport.identity.matching import (
    NAME_TYPO,
    TEXT_TYPO,
    CustomerRecord,
    Explanation,
    blocking_keys,
    prepare,
    prior_points,
)

Progress = Callable[[str, int], None]
CHUNK = 50_000
U_SAMPLE_PAIRS = 2e6
# Pairs below this probability (with every customer assumed to have a duplicate) neither reach a
# threshold nor move the estimated share of duplicates.
KEEP_FOR_ESTIMATE = 0.001
SEED = 20261206


@dataclass(frozen=True, slots=True)
class FoundPair:
    """Two customers that may be one person (left_id < right_id)."""

    left_id: int
    right_id: int
    score: float
    explanation: Explanation


# ----------------------------------------------------------------------------- the model in SQL


def _jw(column: str) -> str:
    return f"jaro_winkler_similarity({column}_l, {column}_r)"


def _text_similarity(column: str) -> str:
    return (
        f"(1.0 - levenshtein({column}_l, {column}_r)"
        f" / greatest(length({column}_l), length({column}_r)))"
    )


POSTAL_AGREES = "(postal_l IS NULL OR postal_r IS NULL OR postal_l = postal_r)"
SAME_HOUSEHOLD = "(hh_l = hh_r)"
# matching.SHARED_ADDRESS in SQL: the same household, or street addresses alike.
SHARED_ADDRESS = f"({SAME_HOUSEHOLD} OR {_text_similarity('street')} >= {TEXT_TYPO})"
SWAPPED = (
    f"(jaro_winkler_similarity(fn_l, ln_r) >= {NAME_TYPO}"
    f" AND jaro_winkler_similarity(ln_l, fn_r) >= {NAME_TYPO}"
    f" AND NOT ({_jw('fn')} >= {NAME_TYPO} AND {_jw('ln')} >= {NAME_TYPO}))"
)


def _partial(column: str) -> str:
    return (
        f"(list_has_all(string_split({column}_l, ' '), string_split({column}_r, ' '))"
        f" OR list_has_all(string_split({column}_r, ' '), string_split({column}_l, ' '))"
        f" OR replace({column}_l, ' ', '') = replace({column}_r, ' ', ''))"
    )


def _name_levels(column: str, *, first: bool) -> list[tuple[str, str]]:
    levels = [("swapped", SWAPPED)]
    if first:
        levels += [
            ("exact", f"{column}_l = {column}_r"),
            ("nickname", "list_has_any(fn_formal_l, fn_formal_r)"),
            (
                "initial",
                f"(length({column}_l) = 1 OR length({column}_r) = 1)"
                f" AND substr({column}_l, 1, 1) = substr({column}_r, 1, 1)",
            ),
            ("typo", f"{_jw(column)} >= {NAME_TYPO}"),
        ]
    else:
        levels += [
            ("exact family", f"{column}_l = {column}_r AND {SHARED_ADDRESS}"),
            ("exact", f"{column}_l = {column}_r"),
            ("typo family", f"{_jw(column)} >= {NAME_TYPO} AND {SHARED_ADDRESS}"),
            ("typo", f"{_jw(column)} >= {NAME_TYPO}"),
        ]
    return [
        *levels,
        ("sounds alike", f"{column}_sound_l = {column}_sound_r"),
        ("partial", _partial(column)),
        ("similar", f"{_jw(column)} >= {matching.NAME_SIMILAR}"),
    ]


LEVELS: dict[str, tuple[str, list[tuple[str, str]]]] = {
    # field: (null condition, [(weight key, condition)] best first; anything else is "different")
    "first_name": ("fn_l IS NULL OR fn_r IS NULL", _name_levels("fn", first=True)),
    "last_name": ("ln_l IS NULL OR ln_r IS NULL", _name_levels("ln", first=False)),
    "date_of_birth": (
        "dob_l IS NULL OR dob_r IS NULL",
        [
            ("exact family", f"dob_l = dob_r AND {SHARED_ADDRESS}"),
            ("exact", "dob_l = dob_r"),
            (
                "day and month swapped",
                "substr(dob_l, 1, 4) = substr(dob_r, 1, 4) AND substr(dob_l, 5, 2) = substr(dob_r, 7, 2)"
                " AND substr(dob_l, 7, 2) = substr(dob_r, 5, 2)",
            ),
            ("typo", "damerau_levenshtein(dob_l, dob_r) <= 1"),
        ],
    ),
    "email": (
        "emails_l IS NULL OR emails_r IS NULL",
        [
            ("exact", "list_has_any(emails_l, emails_r)"),
            ("same local part", "list_has_any(locals_l, locals_r)"),
            (
                "typo",
                "length(local1_l) >= 5 AND length(local1_r) >= 5"
                " AND regexp_replace(local1_l, '[^0-9]', '', 'g')"
                " = regexp_replace(local1_r, '[^0-9]', '', 'g')"
                f" AND {_jw('local1')} >= {NAME_TYPO}",
            ),
        ],
    ),
    "phone": (
        "phones_l IS NULL OR phones_r IS NULL",
        [
            ("exact", "list_has_any(phones_l, phones_r)"),
            (
                "typo",
                "length(phone1_l) = length(phone1_r) AND length(phone1_l) >= 7"
                " AND damerau_levenshtein(phone1_l, phone1_r) <= 1",
            ),
        ],
    ),
    "address": (
        f"NOT coalesce({SAME_HOUSEHOLD}, false)"
        " AND (street_l IS NULL OR street_r IS NULL) AND (postal_l IS NULL OR postal_r IS NULL)",
        [
            ("same household", SAME_HOUSEHOLD),
            (
                "postal code differs",
                f"{_text_similarity('street')} >= {TEXT_TYPO} AND NOT {POSTAL_AGREES}",
            ),
            ("exact", "street_l = street_r"),
            ("typo", f"{_text_similarity('street')} >= {TEXT_TYPO}"),
            ("same postal code only", "postal_l = postal_r"),
        ],
    ),
    "organisation": (
        "org_l IS NULL OR org_r IS NULL",
        [("exact", "org_l = org_r"), ("typo", f"{_text_similarity('org')} >= {TEXT_TYPO}")],
    ),
}
# Levels random pairs cannot estimate: they describe people who share an address.
FIXED_U = {
    ("last_name", "exact family"),
    ("last_name", "typo family"),
    ("date_of_birth", "exact family"),
}
DISPLAY = {
    "first_name": ("first_text", "first_text"),
    "last_name": ("last_text", "last_text"),
    "date_of_birth": ("dob_text", "dob_text"),
    "email": ("email_text", "email_text"),
    "phone": ("phone_text", "phone_text"),
    "address": ("address_text", "address_text"),
    "organisation": ("org_text", "org_text"),
}


def _comparison(field: str, population: int) -> dict[str, Any]:
    null, levels = LEVELS[field]
    table = matching.weights(population)
    level_dicts: list[dict[str, Any]] = [
        {"sql_condition": null, "label_for_charts": "missing", "is_null_level": True}
    ]
    for key, condition in [*levels, ("different", "ELSE")]:
        m, u = table[field][key]
        level_dicts.append(
            {
                "sql_condition": condition,
                "label_for_charts": key,
                "m_probability": m,
                "u_probability": u,
                "fix_m_probability": True,
                "fix_u_probability": (field, key) in FIXED_U,
            }
        )
    return {"output_column_name": field, "comparison_levels": level_dicts}


def _settings(population: int) -> Any:
    from splink import SettingsCreator

    return SettingsCreator(
        link_type="dedupe_only",
        comparisons=[_comparison(field, population) for field in LEVELS],
        probability_two_random_records_match=matching.prior_probability(population, 1.0),
        retain_matching_columns=True,
        retain_intermediate_calculation_columns=True,
        additional_columns_to_retain=sorted({c for pair in DISPLAY.values() for c in pair}),
    )


# ----------------------------------------------------------------------------- loading


SCHEMA = pa.schema(
    [
        ("unique_id", pa.int64()),
        ("fn", pa.string()),
        ("ln", pa.string()),
        ("fn_formal", pa.list_(pa.string())),
        ("fn_sound", pa.string()),
        ("ln_sound", pa.string()),
        ("dob", pa.string()),
        ("emails", pa.list_(pa.string())),
        ("locals", pa.list_(pa.string())),
        ("local1", pa.string()),
        ("phones", pa.list_(pa.string())),
        ("phone1", pa.string()),
        ("street", pa.string()),
        ("postal", pa.string()),
        ("hh", pa.int64()),
        ("org", pa.string()),
        ("first_text", pa.string()),
        ("last_text", pa.string()),
        ("dob_text", pa.string()),
        ("email_text", pa.string()),
        ("phone_text", pa.string()),
        ("address_text", pa.string()),
        ("org_text", pa.string()),
    ]
)


def _row(record: CustomerRecord) -> tuple[dict[str, Any], set[str]]:
    p = prepare(record)
    locals_ = sorted(p.local_parts)
    phones = sorted(p.phones)
    address = ", ".join(x for x in (record.address, record.postal_code, record.city) if x)
    row = {
        "unique_id": record.id,
        "fn": p.first or None,
        "ln": p.last or None,
        "fn_formal": sorted(p.first_formal) or None,
        "fn_sound": p.first_sound or None,
        "ln_sound": p.last_sound or None,
        "dob": p.dob or None,
        "emails": sorted(p.emails) or None,
        "locals": locals_ or None,
        "local1": locals_[0] if locals_ else None,
        "phones": phones or None,
        "phone1": phones[0] if phones else None,
        "street": p.address or None,
        "postal": p.postal or None,
        "hh": record.household_id,
        "org": p.org or None,
        "first_text": record.first,
        "last_text": record.last,
        "dob_text": record.dob.isoformat() if record.dob else "",
        "email_text": "; ".join(sorted(p.emails)),
        "phone_text": "; ".join(phones),
        "address_text": address,
        "org_text": record.org,
    }
    return row, blocking_keys(p)


def _load(
    con: duckdb.DuckDBPyConnection,
    records: Iterable[CustomerRecord],
    *,
    total: int | None,
    progress: Progress,
) -> int:
    """Write records and their blocking keys to DuckDB in chunks; returns how many."""
    con.execute(f"CREATE TABLE customers ({_ddl()})")
    con.execute("CREATE TABLE keys (id BIGINT, key VARCHAR)")
    rows: list[dict[str, Any]] = []
    key_ids: list[int] = []
    key_values: list[str] = []
    count = 0

    for record in records:
        row, keys = _row(record)
        rows.append(row)
        key_ids.extend([record.id] * len(keys))
        key_values.extend(keys)
        count += 1
        if len(rows) >= CHUNK:
            _flush(con, rows, key_ids, key_values)
            progress("Reading customers", _percent(count, total, 0, 30))
    if rows:
        _flush(con, rows, key_ids, key_values)
    return count


def _ddl() -> str:
    types = {pa.int64(): "BIGINT", pa.string(): "VARCHAR", pa.list_(pa.string()): "VARCHAR[]"}
    return ", ".join(f"{f.name} {types[f.type]}" for f in SCHEMA)


def _flush(
    con: duckdb.DuckDBPyConnection,
    rows: list[dict[str, Any]],
    key_ids: list[int],
    key_values: list[str],
) -> None:
    chunk = pa.Table.from_pylist(rows, schema=SCHEMA)
    keys_chunk = pa.table({"id": pa.array(key_ids, pa.int64()), "key": pa.array(key_values)})
    con.register("chunk_view", chunk)
    con.register("keys_view", keys_chunk)
    con.execute("INSERT INTO customers SELECT * FROM chunk_view")
    con.execute("INSERT INTO keys SELECT * FROM keys_view")
    con.unregister("chunk_view")
    con.unregister("keys_view")
    rows.clear()
    key_ids.clear()
    key_values.clear()


def _percent(done: int, total: int | None, start: int, end: int) -> int:
    if not total:
        return start
    return start + min(end - start, (end - start) * done // total)


def _candidate_pairs(con: duckdb.DuckDBPyConnection) -> int:
    """Pairs sharing a key, each once, in splink's blocked-pairs shape."""
    con.execute(
        """
        CREATE TABLE small_keys AS
        SELECT id, key FROM keys
        WHERE key IN (SELECT key FROM keys GROUP BY key HAVING count(*) BETWEEN 2 AND ?)
        """,
        [matching.MAX_BLOCK],
    )
    con.execute(
        """
        CREATE TABLE candidate_pairs AS
        SELECT DISTINCT '0' AS match_key, a.id AS join_key_l, b.id AS join_key_r
        FROM small_keys a JOIN small_keys b ON a.key = b.key AND a.id < b.id
        """
    )
    con.execute("DROP TABLE small_keys")
    con.execute("DROP TABLE keys")
    return int(con.execute("SELECT count(*) FROM candidate_pairs").fetchall()[0][0])


# ----------------------------------------------------------------------------- explanations


# Columns whose similarity the level's words quote.
JW_COLUMNS = {"first_name": "fn", "last_name": "ln", "email": "local1"}
TEXT_COLUMNS = {"address": "street", "organisation": "org"}


def _words(field: str, key: str, row: dict[str, Any]) -> str:
    """The same words matching.py uses for a level, figures included."""
    if key == "missing":
        left, right = row[f"{DISPLAY[field][0]}_l"], row[f"{DISPLAY[field][1]}_r"]
        return "missing on both" if not (left or right) else "missing on one side"
    base = key.removesuffix(" family")
    if base in ("typo", "similar") and field in JW_COLUMNS:
        column = JW_COLUMNS[field]
        similarity = matching._jw(row[f"{column}_l"] or "", row[f"{column}_r"] or "")
        words = f"{base} (Jaro-Winkler {similarity:.2f})"
    elif base == "typo" and field in TEXT_COLUMNS:
        column = TEXT_COLUMNS[field]
        similarity = matching.text_similarity(row[f"{column}_l"] or "", row[f"{column}_r"] or "")
        words = f"typo (similarity {similarity:.0%})"
    else:
        words = {
            "typo": "typo (one digit)",
            "swapped": "swapped first/last",
            "initial": "initial only",
            "partial": "one name contains the other",
            "same local part": "same name before the @",
            "postal code differs": "same street address, postal code differs",
        }.get(base, base)
    if key == "exact family":
        words += " (at one address)" if field == "date_of_birth" else " (usual at one address)"
    elif key == "typo family":
        words += " (usual at one address)"
    return words


def explanation_from_row(
    row: dict[str, Any], labels: dict[str, dict[int, str]], population: int, share: float
) -> Explanation:
    """One predicted row (its gamma and match-weight columns) as explanation items."""
    items: Explanation = [
        {
            "field": "prior",
            "left": "",
            "right": "",
            "level": matching.prior_words(population, share),
            "points": prior_points(population, share),
        }
    ]
    for field in LEVELS:
        key = labels[field][row[f"gamma_{field}"]]
        left, right = row[f"{DISPLAY[field][0]}_l"], row[f"{DISPLAY[field][1]}_r"]
        if field == "organisation" and not (left or right):
            continue
        items.append(
            {
                "field": field,
                "left": left or "",
                "right": right or "",
                "level": _words(field, key, row),
                "points": round(float(row[f"mw_{field}"]), 2),
            }
        )
    return items


def _labels(linker: Any) -> dict[str, dict[int, str]]:
    """gamma value -> weight key, per comparison."""
    return {
        comparison.output_column_name: {
            level.comparison_vector_value: level.label_for_charts
            for level in comparison.comparison_levels
        }
        for comparison in linker._settings_obj.comparisons
    }


# ----------------------------------------------------------------------------- running


def link_records(
    records: Iterable[CustomerRecord],
    *,
    threshold: float,
    on_progress: Progress | None = None,
    on_compared: Callable[[int], None] | None = None,
    total: int | None = None,
    estimate_u: bool = False,
) -> Iterator[FoundPair]:
    """Pairs among records scoring at least threshold, ordered by (left_id, right_id).
    on_compared(n) is told how many candidate pairs are compared."""
    progress = on_progress or (lambda stage, percent: None)
    progress("Reading customers", 0)
    with tempfile.TemporaryDirectory(prefix="rapport-identity-") as spill:
        con = duckdb.connect(":memory:")
        try:
            con.execute(f"SET temp_directory = '{spill}'")
            count = _load(con, records, total=total, progress=progress)
            progress("Finding candidate pairs", 30)
            compared = _candidate_pairs(con) if count >= 2 else 0
            if on_compared is not None:
                on_compared(compared)
            if compared:
                yield from _scored(con, count, threshold, estimate_u, progress)
        finally:
            con.close()
    progress("Done", 100)


def _logit2(p: float) -> float:
    if p <= 0:
        return -math.inf
    if p >= 1:
        return math.inf
    return math.log2(p / (1 - p))


def _scored(
    con: duckdb.DuckDBPyConnection,
    count: int,
    threshold: float,
    estimate_u: bool,
    progress: Progress,
) -> Iterator[FoundPair]:
    from splink import DuckDBAPI, Linker

    db_api = DuckDBAPI(connection=con)
    # Scored first with the largest prior (every customer has a duplicate), so every pair that
    # could reach the threshold once the share is estimated is kept.
    linker = Linker(db_api.register("customers"), _settings(count), log_level=logging.WARNING)
    if estimate_u:
        progress("Estimating how often different people agree", 40)
        linker.training.estimate_u_using_random_sampling(max_pairs=U_SAMPLE_PAIRS, seed=SEED)
    progress("Scoring candidate pairs", 50)
    linker.table_management.register_blocked_pairs_for_predict(db_api.register("candidate_pairs"))
    predictions = linker.inference.predict(
        threshold_match_probability=min(threshold, KEEP_FOR_ESTIMATE), warning_mode="never"
    )
    progress("Estimating the share of duplicates", 85)
    evidence = " + ".join(f"mw_{field}" for field in LEVELS)
    # splink's own table and comparison names: no outside text reaches these queries.
    rows = con.execute(f"SELECT {evidence} FROM {predictions.physical_name}").fetchall()  # noqa: S608
    share = matching.estimate_share((float(w) for (w,) in rows), count)
    progress("Explaining pairs", 90)
    labels = _labels(linker)
    # Only rows that can reach the threshold with the estimated prior leave DuckDB (the margin
    # covers the explanation's points being rounded to two decimals).
    needed = _logit2(threshold) - prior_points(count, share) - 0.1
    table = predictions.physical_name
    cursor = con.cursor()
    cursor.execute(
        f"SELECT * FROM {table} WHERE {evidence} >= ? ORDER BY unique_id_l, unique_id_r",  # noqa: S608
        [needed],
    )
    columns = [d[0] for d in cursor.description or []]
    while batch := cursor.fetchmany(10_000):
        for values in batch:
            row = dict(zip(columns, values, strict=True))
            explanation = explanation_from_row(row, labels, count, share)
            score = matching.probability(sum(item["points"] for item in explanation))
            if score >= threshold:
                left, right = sorted((int(row["unique_id_l"]), int(row["unique_id_r"])))
                yield FoundPair(left, right, score, explanation)


def find_duplicates(
    *,
    threshold: float,
    on_progress: Progress | None = None,
    on_compared: Callable[[int], None] | None = None,
) -> Iterator[FoundPair]:
    """Every pair of current customers (not erased, not merged away) scoring at least
    threshold. on_progress(stage, percent) is called as the run moves on, on_compared(n) with
    the number of candidate pairs."""
    from rapport.customers.models import Customer

    customers = Customer.objects.all()
    total = customers.filter(erased_at__isnull=True, merged_into__isnull=True).count()
    yield from link_records(
        matching.records_from_db(customers),
        threshold=threshold,
        on_progress=on_progress,
        on_compared=on_compared,
        total=total,
    )
