"""Whether two customers look like one person, and why.

A Fellegi–Sunter model: each field is compared and lands on one level ("exact", "nickname",
"typo (Jaro-Winkler 0.93)", "different", …). Each level has an m probability (how often two
records of one person land there) and a u probability (how often two different people do);
log2(m / u) are the points the level adds or takes away. The points, added to a starting weight
for any two customers, give the log-odds that the two are one person; `score` is that as a
probability.

The starting weight depends on how many customers there are and on the share of them with a
duplicate: among a million customers two strangers share a name and a birthday far more often
than among a thousand. For the same reason the u of sharing an address, a phone or an e-mail
is "how many others share one" over the number of customers (SHARED_BY). `find_pairs` estimates
the share from the records it is given (estimate_share); `score_pair` takes both as arguments.

Two people at one address share far more than two people picked at random: spouses and
children share the surname, twins the date of birth. So when the addresses agree, surname and
date-of-birth agreement earn the points they earn among people living together, and a
different first name then decides: a household's members never score as one person.

`find_pairs` finds candidate pairs by blocking (records sharing a phone, an e-mail, a
surname sound and first initial, …) so the work grows with the number of records, not with its
square, and scores only those.

Explanation items are plain dicts, so they can be stored as JSON:
    {"field": "first_name", "left": "Bob", "right": "Robert", "level": "nickname", "points": 3.9}
The first item (field "prior") is the starting weight; the points of all items add up to the
log2 odds behind the score.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import math
import re
import unicodedata
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import jellyfish
import numpy as np
from rapidfuzz.distance import OSA, JaroWinkler, Levenshtein

from rapport.identity.nicknames import are_nicknames, formal_names

if TYPE_CHECKING:
    from django.db.models import QuerySet

    from rapport.customers.models import Customer

Explanation = list[dict[str, Any]]

# The share of customers assumed to have a duplicate. Among N customers two picked at random
# are then one person with probability DUPLICATE_SHARE / N: the more customers, the more
# strangers share a name and a birthday by chance, and the more evidence a match needs.
DUPLICATE_SHARE = 0.05
# For a pair scored on its own, without the number of customers it was found among.
DEFAULT_POPULATION = 100_000

# (m, u) per field and level. m: share of true duplicate pairs at that level; u: share of pairs
# of different people. Set from what each error is known to do, then adjusted on the FEBRL 1
# and 2 benchmarks (bench/identity_accuracy.py); the "family" levels are the u among people
# who share an address. Levels in SHARED_BY get their u from the number of customers instead.
WEIGHTS: dict[str, dict[str, tuple[float, float]]] = {
    "first_name": {
        "exact": (0.88, 0.01),
        "nickname": (0.03, 0.002),
        "typo": (0.05, 0.002),
        "sounds alike": (0.01, 0.002),
        "partial": (0.01, 0.001),
        "initial": (0.01, 0.004),
        "swapped": (0.01, 0.00002),
        "similar": (0.01, 0.02),
        "different": (0.02, 0.96),
    },
    "last_name": {
        "exact": (0.88, 0.003),
        "exact family": (0.88, 0.6),
        "typo": (0.06, 0.001),
        "typo family": (0.06, 0.05),
        "sounds alike": (0.01, 0.001),
        "partial": (0.01, 0.0005),
        "swapped": (0.01, 0.00002),
        "similar": (0.01, 0.01),
        "different": (0.03, 0.985),
    },
    "date_of_birth": {
        "exact": (0.9, 0.0001),
        "exact family": (0.9, 0.02),
        "day and month swapped": (0.01, 0.00001),
        "typo": (0.05, 0.002),
        "different": (0.04, 0.998),
    },
    # Rapport keeps each phone and e-mail on one customer only, so two records of one person
    # often differ in both: "different" is weak evidence against.
    "email": {
        "exact": (0.4, 0.00001),
        "same local part": (0.1, 0.0001),
        "typo": (0.05, 0.005),
        "different": (0.45, 0.995),
    },
    "phone": {
        "exact": (0.45, 0.00001),
        "typo": (0.05, 0.00005),
        "different": (0.5, 0.99995),
    },
    "address": {
        "same household": (0.5, 0.0002),
        "exact": (0.7, 0.0002),
        "typo": (0.1, 0.0002),
        "postal code differs": (0.03, 0.0001),
        "same postal code only": (0.05, 0.01),
        "different": (0.12, 0.99),
    },
    "organisation": {
        "exact": (0.8, 0.0005),
        "typo": (0.15, 0.001),
        "different": (0.05, 0.999),
    },
}
# Levels that mean sharing something few people share (an address, a phone, an e-mail): u is
# how many other customers share one's, on average, divided by the number of customers.
SHARED_BY: dict[tuple[str, str], float] = {
    ("address", "same household"): 1.5,
    ("address", "exact"): 1.5,
    ("address", "postal code differs"): 1.5,
    ("address", "typo"): 5.0,
    ("phone", "exact"): 0.1,
    ("phone", "typo"): 1.0,  # numbers one digit from one's own that other customers hold
    ("email", "exact"): 0.02,
    ("email", "same local part"): 0.5,
}
NAME_TYPO = 0.92
NAME_SIMILAR = 0.8
TEXT_TYPO = 0.85
# Local parts many unrelated people or organisations use.
GENERIC_LOCAL_PARTS = frozenset(
    (
        "info", "admin", "contact", "office", "sales", "support", "hello", "mail", "email",
        "enquiries", "accounts", "billing", "service", "help", "team", "noreply", "no-reply",
        "webmaster", "post", "reception",
    )
)  # fmt: skip
MAX_BLOCK = 100


@dataclass(frozen=True, slots=True)
class CustomerRecord:
    """What matching reads of one customer. Phones are E.164, e-mails lower-case."""

    id: int
    first: str = ""
    last: str = ""
    org: str = ""
    dob: dt.date | None = None
    emails: tuple[str, ...] = ()
    phones: tuple[str, ...] = ()
    postal_code: str = ""
    address: str = ""
    city: str = ""
    household_id: int | None = None


@dataclass(frozen=True, slots=True)
class Match:
    """Two customers and how much they look like one person (left_id < right_id)."""

    left_id: int
    right_id: int
    score: float
    explanation: Explanation = field(default_factory=list)


@dataclass(frozen=True, slots=True)
class Prepared:
    """A record's values in the forms the comparisons use, computed once per record."""

    record: CustomerRecord
    first: str
    last: str
    first_formal: frozenset[str]
    first_sound: str
    last_sound: str
    org: str
    dob: str
    emails: frozenset[str]
    local_parts: frozenset[str]
    phones: frozenset[str]
    address: str
    postal: str


# ----------------------------------------------------------------------------- values


ELIDED = re.compile(r"['’`.]")
DIGITS = re.compile(r"[^0-9]")
SEPARATORS = re.compile(r"[^a-z0-9]+")


@functools.lru_cache(maxsize=200_000)  # names repeat: most of a million customers share a few
def simplify(text: str) -> str:
    """Lower-case letters, digits and single spaces: "O'Brien-Smith " -> "obrien smith"."""
    text = text.replace("&", " and ")
    if not text.isascii():
        decomposed = unicodedata.normalize("NFKD", text)
        text = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    plain = ELIDED.sub("", text.casefold())
    return " ".join(SEPARATORS.sub(" ", plain).split())


def sorted_words(text: str) -> str:
    return " ".join(sorted(simplify(text).split()))


@functools.lru_cache(maxsize=200_000)
def sound(text: str) -> str:
    return jellyfish.metaphone(text).replace(" ", "") if text else ""


def prepare(record: CustomerRecord) -> Prepared:
    first, last = simplify(record.first), simplify(record.last)
    emails = frozenset(e.strip().lower() for e in record.emails if e and "@" in e)
    local_parts = frozenset(
        local
        for local in (e.rsplit("@", 1)[0] for e in emails)
        if len(local) >= 4 and local not in GENERIC_LOCAL_PARTS
    )
    return Prepared(
        record=record,
        first=first,
        last=last,
        first_formal=formal_names(first),
        first_sound=sound(first),
        last_sound=sound(last),
        org=sorted_words(record.org) if record.org else "",
        dob=f"{record.dob.year:04d}{record.dob.month:02d}{record.dob.day:02d}"
        if record.dob
        else "",
        emails=emails,
        local_parts=local_parts,
        phones=frozenset(p for p in record.phones if p),
        address=sorted_words(record.address) if record.address else "",
        postal=simplify(record.postal_code).replace(" ", "") if record.postal_code else "",
    )


def _item(field_name: str, left: str, right: str, key: str, level: str = "") -> dict[str, Any]:
    """An explanation item; its points are set by explain(), which knows the population."""
    return {"field": field_name, "left": left, "right": right, "level": level or key, "key": key}


def _missing(field_name: str, left: str, right: str) -> dict[str, Any]:
    level = "missing on both" if not (left or right) else "missing on one side"
    return {"field": field_name, "left": left, "right": right, "level": level, "key": ""}


@functools.cache
def weights(population: int) -> dict[str, dict[str, tuple[float, float]]]:
    """WEIGHTS with the u of SHARED_BY levels for this many customers."""
    table = {field: dict(levels) for field, levels in WEIGHTS.items()}
    for (field_name, key), sharers in SHARED_BY.items():
        m, _ = table[field_name][key]
        table[field_name][key] = (m, min(0.5, sharers / max(population, 2)))
    return table


def points(field_name: str, key: str, population: int = DEFAULT_POPULATION) -> float:
    m, u = weights(population)[field_name][key]
    return round(math.log2(m / u), 2)


def prior_probability(population: int, share: float = DUPLICATE_SHARE) -> float:
    return min(0.5, share / max(population - 1, 1))


def prior_points(population: int = DEFAULT_POPULATION, share: float = DUPLICATE_SHARE) -> float:
    prior = prior_probability(population, share)
    return round(math.log2(prior / (1 - prior)), 2)


MIN_SHARE = 0.005


def estimate_share(evidence: Iterable[float], population: int) -> float:
    """The share of customers with a duplicate that best explains the candidate pairs found.

    evidence: each candidate pair's points without the prior. m and u stay as they are; only
    the prior moves (expectation maximisation on one parameter), so a set full of duplicates
    (a benchmark) and a clean customer base each get the base rate they have. Pairs that are
    not candidates count as different people."""
    weights = np.fromiter(evidence, dtype=float)
    share = DUPLICATE_SHARE
    if population < 2:
        return share
    for _ in range(100):
        start = math.log2(prior_probability(population, share))
        with np.errstate(over="ignore"):
            expected = float(np.sum(1.0 / (1.0 + np.exp2(-(start + weights)))))
        updated = min(1.0, max(MIN_SHARE, 2 * expected / population))
        if abs(updated - share) <= 1e-4 * share:
            return updated
        share = updated
    return share


def probability(weight: float) -> float:
    """log2 odds -> probability, without overflow at either end."""
    if weight >= 0:
        return 1.0 / (1.0 + 2.0**-weight)
    odds = 2.0**weight
    return odds / (1.0 + odds)


# ----------------------------------------------------------------------------- comparisons


def _jw(a: str, b: str) -> float:
    return float(JaroWinkler.similarity(a, b))


def _name_level(a: str, b: str, *, first: bool) -> tuple[str, str]:
    """(weight key, words) for two simplified names, both present."""
    if a == b:
        return "exact", "exact"
    if first and are_nicknames(a, b):
        return "nickname", "nickname"
    if first and (len(a) == 1 or len(b) == 1) and a[0] == b[0]:
        return "initial", "initial only"
    similarity = _jw(a, b)
    if similarity >= NAME_TYPO:
        return "typo", f"typo (Jaro-Winkler {similarity:.2f})"
    if sound(a) == sound(b):
        return "sounds alike", "sounds alike"
    tokens_a, tokens_b = set(a.split()), set(b.split())
    if tokens_a <= tokens_b or tokens_b <= tokens_a or a.replace(" ", "") == b.replace(" ", ""):
        return "partial", "one name contains the other"
    if similarity >= NAME_SIMILAR:
        return "similar", f"similar (Jaro-Winkler {similarity:.2f})"
    return "different", "different"


def swapped(a: Prepared, b: Prepared) -> bool:
    """First and last name each match the other record's other name, and not their own."""
    if not (a.first and a.last and b.first and b.last):
        return False
    crossed = _jw(a.first, b.last) >= NAME_TYPO and _jw(a.last, b.first) >= NAME_TYPO
    straight = _jw(a.first, b.first) >= NAME_TYPO and _jw(a.last, b.last) >= NAME_TYPO
    return crossed and not straight


def compare_names(a: Prepared, b: Prepared, *, family: bool) -> list[dict[str, Any]]:
    ra, rb = a.record, b.record
    if swapped(a, b):
        words = "swapped first/last"
        return [
            _item("first_name", ra.first, rb.first, "swapped", words),
            _item("last_name", ra.last, rb.last, "swapped", words),
        ]
    items = []
    if a.first and b.first:
        key, words = _name_level(a.first, b.first, first=True)
        items.append(_item("first_name", ra.first, rb.first, key, words))
    else:
        items.append(_missing("first_name", ra.first, rb.first))
    if a.last and b.last:
        key, words = _name_level(a.last, b.last, first=False)
        if family and key in ("exact", "typo"):
            key, words = f"{key} family", f"{words} (usual at one address)"
        items.append(_item("last_name", ra.last, rb.last, key, words))
    else:
        items.append(_missing("last_name", ra.last, rb.last))
    return items


def compare_dob(a: Prepared, b: Prepared, *, family: bool) -> dict[str, Any]:
    left = a.record.dob.isoformat() if a.record.dob else ""
    right = b.record.dob.isoformat() if b.record.dob else ""
    if not (a.dob and b.dob):
        return _missing("date_of_birth", left, right)
    if a.dob == b.dob:
        if family:
            return _item("date_of_birth", left, right, "exact family", "exact (at one address)")
        return _item("date_of_birth", left, right, "exact")
    if a.dob[:4] == b.dob[:4] and a.dob[4:6] == b.dob[6:8] and a.dob[6:8] == b.dob[4:6]:
        return _item("date_of_birth", left, right, "day and month swapped")
    if OSA.distance(a.dob, b.dob) <= 1:
        return _item("date_of_birth", left, right, "typo", "typo (one digit)")
    return _item("date_of_birth", left, right, "different")


def _best(pairs: Iterable[tuple[str, str]], similarity: Any) -> tuple[str, str, float]:
    scored = [(left, right, float(similarity(left, right))) for left, right in pairs]
    return max(scored, key=lambda item: (item[2], item[0], item[1]))


def _with_local(emails: frozenset[str], local: str) -> str:
    return min(e for e in emails if e.rsplit("@", 1)[0] == local)


def compare_emails(a: Prepared, b: Prepared) -> dict[str, Any]:
    if not (a.emails and b.emails):
        return _missing("email", "; ".join(sorted(a.emails)), "; ".join(sorted(b.emails)))
    shared = a.emails & b.emails
    if shared:
        value = min(shared)
        return _item("email", value, value, "exact")
    shared_local = a.local_parts & b.local_parts
    if shared_local:
        local = min(shared_local)
        left, right = _with_local(a.emails, local), _with_local(b.emails, local)
        return _item("email", left, right, "same local part", "same name before the @")
    # Digits in an e-mail name are chosen (a year, a counter), so names differing in them are
    # different addresses, not typos.
    long_pairs = [
        (x, y)
        for x in a.local_parts
        for y in b.local_parts
        if len(x) >= 5 and len(y) >= 5 and DIGITS.sub("", x) == DIGITS.sub("", y)
    ]
    if long_pairs:
        x, y, similarity = _best(long_pairs, _jw)
        if similarity >= NAME_TYPO:
            words = f"typo (Jaro-Winkler {similarity:.2f})"
            return _item("email", _with_local(a.emails, x), _with_local(b.emails, y), "typo", words)
    return _item("email", min(a.emails), min(b.emails), "different")


def _phone_typo(left: str, right: str) -> bool:
    return len(left) == len(right) >= 7 and OSA.distance(left, right) <= 1


def compare_phones(a: Prepared, b: Prepared) -> dict[str, Any]:
    if not (a.phones and b.phones):
        return _missing("phone", "; ".join(sorted(a.phones)), "; ".join(sorted(b.phones)))
    shared = a.phones & b.phones
    if shared:
        value = min(shared)
        return _item("phone", value, value, "exact")
    typos = sorted((x, y) for x in a.phones for y in b.phones if _phone_typo(x, y))
    if typos:
        return _item("phone", *typos[0], "typo", "typo (one digit)")
    return _item("phone", min(a.phones), min(b.phones), "different")


def text_similarity(a: str, b: str) -> float:
    """1 - Levenshtein distance / longer length, on words sorted so their order does not count
    (the same measure the batch engine computes in SQL)."""
    return float(Levenshtein.normalized_similarity(a, b))


def address_level(a: Prepared, b: Prepared) -> tuple[str, str]:
    """(weight key, words), or ("", "") when there is nothing to compare."""
    if a.record.household_id is not None and a.record.household_id == b.record.household_id:
        return "same household", "same household"
    postal_agrees = not (a.postal and b.postal) or a.postal == b.postal
    if a.address and b.address:
        similarity = text_similarity(a.address, b.address)
        if similarity >= TEXT_TYPO:
            if not postal_agrees:
                return "postal code differs", "same street address, postal code differs"
            if a.address == b.address:
                return "exact", "exact"
            return "typo", f"typo (similarity {similarity:.0%})"
    if a.postal and b.postal:
        if a.postal == b.postal:
            return "same postal code only", "same postal code only"
        return "different", "different"
    if a.address and b.address:
        return "different", "different"
    return "", ""


def compare_address(a: Prepared, b: Prepared, key: str, words: str) -> dict[str, Any]:
    ra, rb = a.record, b.record
    left = ", ".join(p for p in (ra.address, ra.postal_code, ra.city) if p)
    right = ", ".join(p for p in (rb.address, rb.postal_code, rb.city) if p)
    return _item("address", left, right, key, words) if key else _missing("address", left, right)


def compare_org(a: Prepared, b: Prepared) -> dict[str, Any] | None:
    left, right = a.record.org, b.record.org
    if not (a.org or b.org):
        return None
    if not (a.org and b.org):
        return _missing("organisation", left, right)
    if a.org == b.org:
        return _item("organisation", left, right, "exact")
    similarity = text_similarity(a.org, b.org)
    if similarity >= TEXT_TYPO:
        return _item("organisation", left, right, "typo", f"typo (similarity {similarity:.0%})")
    return _item("organisation", left, right, "different")


# Address levels at which surname and date of birth are compared as among people living together.
SHARED_ADDRESS = frozenset({"same household", "exact", "typo", "postal code differs"})


def explain(
    a: Prepared,
    b: Prepared,
    population: int = DEFAULT_POPULATION,
    share: float = DUPLICATE_SHARE,
) -> Explanation:
    address_key, address_words = address_level(a, b)
    family = address_key in SHARED_ADDRESS
    items: Explanation = [
        *compare_names(a, b, family=family),
        compare_dob(a, b, family=family),
        compare_emails(a, b),
        compare_phones(a, b),
        compare_address(a, b, address_key, address_words),
    ]
    org = compare_org(a, b)
    if org is not None:
        items.append(org)
    for item in items:
        key = item.pop("key")
        item["points"] = points(item["field"], key, population) if key else 0.0
    prior = {
        "field": "prior",
        "left": "",
        "right": "",
        "level": prior_words(population, share),
        "points": prior_points(population, share),
    }
    return [prior, *items]


def prior_words(population: int, share: float) -> str:
    return f"any two of {population:,} customers ({share:.1%} with a duplicate)"


def _match(a: Prepared, b: Prepared, population: int, share: float = DUPLICATE_SHARE) -> Match:
    items = explain(a, b, population, share)
    score = probability(sum(item["points"] for item in items))
    left, right = sorted((a.record.id, b.record.id))
    return Match(left_id=left, right_id=right, score=score, explanation=items)


def score_pair(
    a: CustomerRecord,
    b: CustomerRecord,
    *,
    population: int = DEFAULT_POPULATION,
    share: float = DUPLICATE_SHARE,
) -> Match:
    """How likely a and b are one customer, with one explanation item per compared field.
    population: how many customers the two were found among; share: the share of those with
    a duplicate (see DUPLICATE_SHARE)."""
    return _match(prepare(a), prepare(b), population, share)


# ----------------------------------------------------------------------------- blocking


@functools.lru_cache(maxsize=50_000)
def _initials_of(first: str) -> frozenset[str]:
    return (
        frozenset((first[0], *(name[0] for name in formal_names(first)))) if first else frozenset()
    )


def _initials(p: Prepared) -> frozenset[str]:
    return _initials_of(p.first)


def blocking_keys(p: Prepared) -> set[str]:
    """Keys two records of one person are likely to share despite a typo, a nickname, fields
    swapped or a new e-mail domain; each key is a block of candidate pairs."""
    keys = {f"p:{phone}" for phone in p.phones}
    keys |= {f"e:{email}" for email in p.emails}
    keys |= {f"l:{local}" for local in p.local_parts}
    initials = _initials(p)
    if p.last_sound and p.first:
        # Surname sound and formal first name: Bob Smyth and Robert Smith share "SM0:robert";
        # surname and first-name sounds: Katherien and Katherine share "KTRN".
        keys |= {f"n:{p.last_sound}:{formal}" for formal in p.first_formal}
        keys.add(f"n:{p.last_sound}:{p.first_sound}")
        keys |= {f"n:{p.first_sound}:{formal}" for formal in formal_names(p.last)}  # swapped
    if p.dob:
        keys |= {f"d:{p.dob}:{initial}" for initial in initials}
        if p.last_sound:
            keys.add(f"ds:{p.dob}:{p.last_sound}")
            keys.add(f"d:{p.dob}:{p.last[0]}")
    if p.postal:
        for name in (p.last, p.first):
            if name:
                keys.add(f"a:{p.postal}:{name[:3]}")
    if p.address:
        keys.add(f"s:{p.address}")
    if p.record.household_id is not None:
        keys.add(f"h:{p.record.household_id}")
    if p.org:
        keys.add(f"o:{sound(' '.join(p.org.split()[:2]))}")
    return keys


def candidate_pairs(
    prepared: list[Prepared], *, max_block: int = MAX_BLOCK
) -> set[tuple[int, int]]:
    """Index pairs (i < j) that share at least one blocking key. Blocks larger than max_block
    (a switchboard number, a very common name) are skipped: other keys still reach their
    members, and comparing everyone in them would make the work quadratic."""
    blocks: dict[str, list[int]] = defaultdict(list)
    for index, p in enumerate(prepared):
        for key in blocking_keys(p):
            blocks[key].append(index)
    pairs: set[tuple[int, int]] = set()
    for members in blocks.values():
        if 1 < len(members) <= max_block:
            pairs.update(itertools.combinations(members, 2))
    return pairs


def find_pairs(
    records: Iterable[CustomerRecord],
    *,
    threshold: float,
    population: int | None = None,
    share: float | None = None,
    on_compared: Callable[[int], None] | None = None,
) -> Iterator[Match]:
    """Scored pairs at or above threshold among records, ordered by (left_id, right_id).

    population: the number of customers the records stand for (by default, how many they
    are). share: the share of them with a duplicate; by default estimated from the records
    (estimate_share), which needs them to be the whole population. on_compared(n) is told how
    many candidate pairs are compared."""
    prepared = [prepare(record) for record in records]
    size = population or len(prepared)
    candidates = sorted(candidate_pairs(prepared))
    if on_compared is not None:
        on_compared(len(candidates))
    scored = [_match(prepared[i], prepared[j], size) for i, j in candidates]
    if share is None:
        start = prior_points(size)
        share = estimate_share(
            (sum(item["points"] for item in m.explanation) - start for m in scored), size
        )
    matches = []
    for match in scored:
        rescored = _with_share(match, size, share)
        if rescored.score >= threshold:
            matches.append(rescored)
    yield from sorted(matches, key=lambda m: (m.left_id, m.right_id))


def _with_share(match: Match, population: int, share: float) -> Match:
    prior = {**match.explanation[0], "level": prior_words(population, share)}
    prior["points"] = prior_points(population, share)
    items = [prior, *match.explanation[1:]]
    score = probability(sum(item["points"] for item in items))
    return Match(match.left_id, match.right_id, score, items)


# ----------------------------------------------------------------------------- database


def _customer_rows(queryset: QuerySet[Customer]) -> Iterator[tuple[Any, ...]]:
    return (
        queryset.filter(erased_at__isnull=True, merged_into__isnull=True)
        .order_by("pk")
        .values_list(
            "pk",
            "first_name",
            "last_name",
            "organisation_name",
            "date_of_birth",
            "household_id",
            "household__address_line1",
            "household__address_line2",
            "household__postal_code",
            "household__city",
        )
        .iterator(chunk_size=5000)
    )


def _contact_rows(queryset: QuerySet[Customer]) -> Iterator[tuple[int, str, str]]:
    from rapport.customers.choices import ContactKind
    from rapport.customers.models import ContactPoint

    kinds = [ContactKind.EMAIL, ContactKind.PHONE, ContactKind.POSTAL]
    return (
        ContactPoint.objects.filter(customer__in=queryset.values("pk"), kind__in=kinds)
        .order_by("customer_id", "pk")
        .values_list("customer_id", "kind", "normalised")
        .iterator(chunk_size=5000)
    )


ZIP_CODE = re.compile(r"\b(\d{5})(?:-\d{4})?\b")


def records_from_db(queryset: QuerySet[Customer]) -> Iterator[CustomerRecord]:
    """The customers of queryset that are neither erased nor merged away, as records, in id
    order. Two streamed queries (customers with their household, contact points), joined here
    on the customer id, so memory stays flat however many customers there are."""
    contacts = _contact_rows(queryset)
    pending = next(contacts, None)
    for pk, first, last, org, dob, household, line1, line2, postal, city in _customer_rows(
        queryset
    ):
        emails: list[str] = []
        phones: list[str] = []
        postal_addresses: list[str] = []
        while pending is not None and pending[0] <= pk:
            if pending[0] == pk:
                kind = pending[1]
                target = {"email": emails, "phone": phones}.get(kind, postal_addresses)
                target.append(pending[2])
            pending = next(contacts, None)
        address = " ".join(p for p in (line1, line2) if p)
        if not address and postal_addresses:
            # A postal contact point is one line of text; its ZIP code, if any, is the postal code.
            address = postal_addresses[0]
            found = ZIP_CODE.search(address)
            postal = found.group(1) if found and not postal else postal
        yield CustomerRecord(
            id=pk,
            first=first,
            last=last,
            org=org,
            dob=dob,
            emails=tuple(emails),
            phones=tuple(phones),
            postal_code=postal or "",
            address=address,
            city=city or "",
            household_id=household,
        )
