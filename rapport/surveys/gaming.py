"""The five gaming checks, as pure functions over plain rows (services/gaming.py loads the rows and
saves the findings).

Each check compares an agent with the rest of the center over the same period and flags only what
is improbable: p-values are adjusted with Holm across the agents tested, and a finding needs an
adjusted p below ALPHA (0.01). Below a check's minimum n an agent is not tested at all.

| check | tested per agent | minimum |
|---|---|---|
| suppression: drawn contacts whose invitation was never sent | binomial, one-sided, vs the rest's rate | 10 drawn |
| suppression: handled contacts under an exclusion an agent can steer | z over the channel mix (Σ n·p, Σ n·p(1−p)), one-sided | 20 handled |
| suppression: a draw whose ticket no longer re-derives from its seed | none: one is tampering | 1 draw |
| begging: the agent asks for a high score in a message (BEGGING_PATTERNS) | none: the words are the evidence | 2 contacts |
| contradiction: high score while the customer's words are negative (≤ −0.5) | binomial, one-sided, vs the rest's rate | 10 responses |
| clustering: ≥ 3 customers' answers from one device or network hash | binomial of the hash's share in the rest, one-sided | 3 customers |
| improbable: top-two-box share vs what the agent's contact mix predicts | Poisson-binomial z, one-sided (high) | 20 responses |

Rates of the rest of the center are smoothed ((k + ½) ÷ (n + 1)) so that a rate of exactly 0 or 1
in the rest cannot make one case infinitely improbable.
"""

import math
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field

from scipy import stats as scipy_stats

from rapport.surveys.choices import Exclusion, GamingCheck
from rapport.surveys.stats import holm

ALPHA = 0.01
MIN_SELECTED = 10
MIN_HANDLED = 20
MIN_CONTRADICTION = 10
MIN_CLUSTER = 3
MIN_IMPROBABLE = 20
NEGATIVE, POSITIVE = -0.5, 0.5
# What became of a selected draw's invitation (services/gaming.py derives it; "sent" is the one
# definition of invited, selectors/invitations.invited(): sent_at is set).
SENT, PENDING, NOT_SENT = "sent", "pending", "not_sent"
# Exclusions the agent's own work decides: the wrap-up (contact type, handled or not, customer)
# and the customer's record (a declined-surveys consent, a removed e-mail or mobile). Outbound
# contacts are left out of this test altogether: call-backs are work a person is given (tier-2
# specialists make mostly those), not a way of closing a contact, so they would flag the role.
STEERABLE = frozenset(
    {
        Exclusion.CONTACT_TYPE,
        Exclusion.NOT_HANDLED,
        Exclusion.NO_CUSTOMER,
        Exclusion.NO_CONSENT,
        Exclusion.NO_ADDRESS,
    }
)

# Survey begging: an agent asking for a HIGH score. Each pattern needs a request (give me, rate
# us, please choose, would help me, only … counts, anything less … counts against) tied to a high
# score (10, 9, five, 5 stars, full marks, highly); asking for honest feedback, or a number that
# is a quantity ("a five minute window", "less than 10 minutes"), is not begging.
_NUMBER = (
    r"(?:10|ten|9|nine|5|five)(?:\s*(?:/|out of)\s*(?:10|ten|5|five))?"
    r"(?![\w%-])(?!\s*(?:%|percent|per\b|minutes?|mins?|hours?|hrs?|days?|seconds?|secs?|weeks?"
    r"|months?|years?|euros?|pounds?|dollars?|cents?|calls?|times?|items?|people|digits?|of\b))"
)
_STARS = r"(?:5|five|10|ten)[ -]stars?\b"
_TOP = r"(?:full|top|high(?:est)?|perfect|maximum) (?:marks|score|rating)s?\b"
_HIGH = rf"(?:(?:an? )?{_STARS}|{_TOP}|an? {_NUMBER})"
# Where the asking words alone are ambiguous, the message must also speak of the survey.
SURVEY_CONTEXT = re.compile(r"\b(?:survey|questionnaire|feedback|rating|score|stars?)\b", re.I)
BEGGING_PATTERNS: list[tuple[str, str, bool]] = [
    (
        "give me a 10",
        rf"\b(?:give|leave|award|send) (?:me|us) {_HIGH}(?=\s*(?:[.!?,;:)]|$|(?:on|in|for|when) "
        r"(?:the|your|our|this|that|a|an|it)\b|out of\b))",
        False,
    ),
    (
        "rate me highly",
        r"\b(?:(?:rate|score) (?:me|us|my service|our service|(?:the|this|our) "
        r"(?:call|chat|conversation|service))|mark (?:me|us)) (?:as |with |a |an )?"
        rf"(?:{_STARS}|{_TOP}|{_NUMBER}|highly\b|high\b|well\b|top\b|excellent\b|perfect\b)",
        False,
    ),
    (
        "a 10 would help me",
        rf"(?:{_HIGH}|\b(?:a )?(?:good|great|positive|high|top) (?:score|rating|review)) "
        r"(?:would|will|could)(?: (?:really|truly|so|honestly|also))? (?:help|mean|make)\w*\b"
        r"[^.!?\n]{0,12}?\b(?:me|us|my|our|a lot|the world|so much|everything)\b",
        False,
    ),
    (
        "only a 10 counts",
        r"\bonly (?:an? )?(?:(?:10|ten|9|nine|5|five)s?(?![\w%-])|"
        rf"{_STARS}|{_TOP}) (?:counts?|matters?|is a pass|passes|helps?)\b",
        False,
    ),
    (
        "anything less than a 10 counts against me",
        rf"\b(?:anything|something) (?:less|lower|below|under) (?:than )?(?:an? )?(?:{_STARS}|"
        rf"{_NUMBER})[^.!?\n]{{0,30}}?\b(?:counts? against|is a fail|fails? me|hurts?|is bad for"
        r"|is a zero|(?:doesn'?t|does not) count|counts? as (?:a )?(?:fail|zero|bad|negative))",
        False,
    ),
    (
        "please choose 10",
        r"\b(?:please|just|kindly) (?:tick|choose|pick|select|click|circle|put) (?:the )?[\"'“‘]?"
        rf"(?:very satisfied|extremely (?:satisfied|likely)|excellent|{_STARS}|{_NUMBER}"
        r"|the (?:top|highest|best) (?:box|score|rating|option))",
        True,
    ),
]
_COMPILED = [
    (name, re.compile(pattern, re.IGNORECASE), context)
    for name, pattern, context in BEGGING_PATTERNS
]
# Words one of the patterns always contains: the database narrows the agents' messages with them.
BEGGING_WORDS = (
    "10", "ten", "9", "nine", "5", "five", "star", "mark", "score", "rat", "survey",
    "questionnaire", "feedback", "review",
)  # fmt: skip
# A flag needs begging on at least this many different contacts: one line on one contact can be
# a joke or a sentence the patterns misread; a habit shows on several. No rate is tested against
# the rest of the center: the patterns ask for a high score in so many words, which an honest
# agent does not do at any rate, so the count of contacts is the evidence.
MIN_BEGGING_CONTACTS = 2


@dataclass(frozen=True)
class Finding:
    """One agent's result for one check, ready to become a GamingFlag."""

    kind: str
    agent_id: int
    statistic: float
    p_value: float | None
    explanation: str
    evidence: dict = field(default_factory=dict)


Names = Mapping[int, str]


def _name(names: Names, agent_id: int) -> str:
    return names.get(agent_id, f"Agent {agent_id}")


def _smoothed(k: int, n: int) -> float:
    return (k + 0.5) / (n + 1)


def _binomial_greater(k: int, n: int, p: float) -> float:
    return float(scipy_stats.binomtest(k, n, p, alternative="greater").pvalue)


def _holm_pick(tests: dict[int, float]) -> dict[int, float]:
    """The agents whose one-sided p stays below ALPHA after Holm, with their adjusted p."""
    agents = list(tests)
    reject, adjusted = holm([tests[a] for a in agents], alpha=ALPHA)
    return {a: p for a, r, p in zip(agents, reject, adjusted, strict=True) if r}


# ------------------------------------------------------------------------------------------------
# a. Suppression and closing patterns that deviate from the draw
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DrawRow:
    id: int
    agent_id: int | None
    interaction_id: int
    channel: str
    excluded: str
    selected: bool
    invitation: str | None  # SENT, PENDING (queued) or NOT_SENT; None: no invitation was made


def _lost(row: DrawRow) -> bool:
    return row.invitation is None or row.invitation == NOT_SENT


def suppression_check(
    draws: Iterable[DrawRow], *, unverified: Mapping[int, list[int]] | None = None, names: Names
) -> list[Finding]:
    """Lost invitations, steerable exclusions over the channel mix, and tampered draws."""
    rows = [r for r in draws if r.agent_id is not None]
    lost = _lost_invitations(rows)
    steered = _steered_exclusions(rows)
    tampered = {a: ids for a, ids in (unverified or {}).items() if ids}
    findings = []
    for agent in sorted(set(lost) | set(steered) | set(tampered)):
        parts = [lost.get(agent), steered.get(agent), _tampered_part(tampered.get(agent))]
        found = [p for p in parts if p is not None]
        findings.append(_suppression_finding(agent, found, names))
    return findings


@dataclass(frozen=True)
class _Part:
    sentence: str
    ratio: float
    p_value: float | None
    evidence: dict


def _lost_invitations(rows: list[DrawRow]) -> dict[int, _Part]:
    selected = [r for r in rows if r.selected and not r.excluded]
    by_agent: dict[int, list[DrawRow]] = defaultdict(list)
    for r in selected:
        by_agent[r.agent_id].append(r)  # type: ignore[index]
    total_lost = sum(_lost(r) for r in selected)
    tests, facts = {}, {}
    for agent, mine in by_agent.items():
        if len(mine) < MIN_SELECTED:
            continue
        k = sum(_lost(r) for r in mine)
        rest_n, rest_k = len(selected) - len(mine), total_lost - k
        p0 = _smoothed(rest_k, rest_n)
        tests[agent] = _binomial_greater(k, len(mine), p0)
        facts[agent] = (k, len(mine), p0, [r.id for r in mine if _lost(r)])
    parts = {}
    for agent, p in _holm_pick(tests).items():
        k, n, p0, ids = facts[agent]
        sentence = (
            f"{k} of {n} contacts the draw selected got no invitation that was sent "
            f"({k / n:.0%}); the rest of the center loses {p0:.1%}, so {n * p0:.1f} were expected"
        )
        evidence = {"selected": n, "lost": k, "expected": round(n * p0, 2), "draw_ids": ids}
        parts[agent] = _Part(sentence, (k / n) / p0, p, {"lost_invitations": evidence})
    return parts


def _steered_exclusions(rows: list[DrawRow]) -> dict[int, _Part]:
    rows = [r for r in rows if r.excluded != Exclusion.OUTBOUND]
    per_cell: Counter = Counter()
    steered_cell: Counter = Counter()
    mine: dict[int, Counter] = defaultdict(Counter)
    mine_steered: dict[int, Counter] = defaultdict(Counter)
    for r in rows:
        is_steered = r.excluded in STEERABLE
        per_cell[r.channel] += 1
        steered_cell[r.channel] += is_steered
        mine[r.agent_id][r.channel] += 1  # type: ignore[index]
        mine_steered[r.agent_id][r.channel] += is_steered  # type: ignore[index]
    tests, facts = {}, {}
    for agent, cells in mine.items():
        n = sum(cells.values())
        if n < MIN_HANDLED:
            continue
        observed = sum(mine_steered[agent].values())
        expected = variance = 0.0
        for channel, count in cells.items():
            rest_n = per_cell[channel] - count
            rest_k = steered_cell[channel] - mine_steered[agent][channel]
            p = _smoothed(rest_k, rest_n)
            expected += count * p
            variance += count * p * (1 - p)
        z = (observed - expected) / math.sqrt(variance)
        tests[agent] = float(scipy_stats.norm.sf(z))
        facts[agent] = (observed, n, expected, z)
    steered_ids = _steered_ids(rows)
    parts = {}
    for agent, p in _holm_pick(tests).items():
        observed, n, expected, z = facts[agent]
        sentence = (
            f"{observed} of {n} handled contacts ({observed / n:.0%}) were closed under an "
            f"exclusion the agent's work decides (contact type, not handled, no customer, "
            f"no consent, no address); "
            f"the rest of the center on the same channel mix would give {expected:.1f}"
        )
        evidence = {
            "handled": n,
            "excluded": observed,
            "expected": round(expected, 2),
            "z": round(z, 2),
            "by_reason": dict(
                Counter(r.excluded for r in rows if r.agent_id == agent and r.excluded in STEERABLE)
            ),
            "interaction_ids": steered_ids[agent][:200],
        }
        parts[agent] = _Part(sentence, observed / max(expected, 1e-9), p, {"exclusions": evidence})
    return parts


def _steered_ids(rows: list[DrawRow]) -> dict[int, list[int]]:
    ids: dict[int, list[int]] = defaultdict(list)
    for r in rows:
        if r.excluded in STEERABLE:
            ids[r.agent_id].append(r.interaction_id)  # type: ignore[index]
    return ids


def _tampered_part(draw_ids: list[int] | None) -> _Part | None:
    if not draw_ids:
        return None
    sentence = (
        f"{len(draw_ids)} draw(s) no longer re-derive from their recorded seed: the decision was "
        "changed after the system made it"
    )
    return _Part(sentence, float(len(draw_ids)), None, {"unverified_draws": draw_ids[:200]})


def _suppression_finding(agent: int, parts: list[_Part], names: Names) -> Finding:
    tested = [p.p_value for p in parts if p.p_value is not None]
    evidence: dict = {}
    for part in parts:
        evidence.update(part.evidence)
    sentences = "; ".join(p.sentence for p in parts)
    return Finding(
        kind=GamingCheck.SUPPRESSION,
        agent_id=agent,
        statistic=round(max(p.ratio for p in parts), 3),
        p_value=min(tested) if tested else None,
        explanation=f"{_name(names, agent)}: {sentences}.",
        evidence=evidence,
    )


# ------------------------------------------------------------------------------------------------
# b. Survey begging
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AgentMessage:
    id: int
    agent_id: int
    interaction_id: int
    text: str


def begging_matches(text: str) -> list[str]:
    """The begging phrases found in one message (the matched words, as written)."""
    text = text or ""
    found = []
    for _, pattern, needs_context in _COMPILED:
        match = pattern.search(text)
        if match and (not needs_context or SURVEY_CONTEXT.search(text)):
            found.append(match.group(0))
    return found


def begging_check(messages: Iterable[AgentMessage], *, names: Names) -> list[Finding]:
    """Agents who asked for a high score on at least MIN_BEGGING_CONTACTS different contacts."""
    hits: dict[int, list[dict]] = defaultdict(list)
    for message in messages:
        matched = begging_matches(message.text)
        if matched:
            hits[message.agent_id].append(
                {"message_id": message.id, "interaction_id": message.interaction_id,
                 "phrases": matched}
            )  # fmt: skip
    findings = []
    for agent, found in sorted(hits.items()):
        contacts = len({hit["interaction_id"] for hit in found})
        if contacts < MIN_BEGGING_CONTACTS:
            continue
        phrases = Counter(p.lower() for hit in found for p in hit["phrases"])
        common = ", ".join(f"“{p}”" for p, _ in phrases.most_common(3))
        findings.append(
            Finding(
                kind=GamingCheck.BEGGING,
                agent_id=agent,
                statistic=float(len(found)),
                p_value=None,
                explanation=(
                    f"{_name(names, agent)} asked customers for a score in {len(found)} "
                    f"message(s) on {contacts} contact(s), for example {common}."
                ),
                evidence={
                    "messages": found[:200],
                    "patterns": [n for n, _, _ in BEGGING_PATTERNS],
                },
            )
        )
    return findings


# ------------------------------------------------------------------------------------------------
# c to e. Checks over responses
# ------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ResponseRow:
    id: int
    agent_id: int | None
    customer_id: int | None
    channel: str
    contact_type_id: int | None
    csat: int | None = None
    nps: int | None = None
    verbatim_sentiment: float | None = None
    interaction_sentiment: float | None = None
    device: str = ""
    network: str = ""


def _high(r: ResponseRow) -> bool:
    return (r.csat is not None and r.csat >= 4) or (r.nps is not None and r.nps >= 9)


def _low(r: ResponseRow) -> bool:
    return (r.csat is not None and r.csat <= 2) or (r.nps is not None and r.nps <= 6)


def _sentiments(r: ResponseRow) -> list[float]:
    return [s for s in (r.verbatim_sentiment, r.interaction_sentiment) if s is not None]


def contradicts_high(r: ResponseRow) -> bool:
    """A flattering score while the customer's words were clearly negative."""
    return _high(r) and any(s <= NEGATIVE for s in _sentiments(r))


def contradicts_low(r: ResponseRow) -> bool:
    return _low(r) and any(s >= POSITIVE for s in _sentiments(r))


def _by_agent(rows: Iterable[ResponseRow], keep: Callable[[ResponseRow], bool]):
    grouped: dict[int, list[ResponseRow]] = defaultdict(list)
    for r in rows:
        if r.agent_id is not None and keep(r):
            grouped[r.agent_id].append(r)
    return grouped


def contradiction_check(rows: Iterable[ResponseRow], *, names: Names) -> list[Finding]:
    """Only the direction that flatters the agent is tested; the reverse (a low score with
    positive words) is mostly customers misreading the scale, so it is shown as context."""
    grouped = _by_agent(rows, lambda r: bool(_sentiments(r)) and (r.csat or r.nps) is not None)
    total_n = sum(len(v) for v in grouped.values())
    total_k = sum(contradicts_high(r) for v in grouped.values() for r in v)
    tests, facts = {}, {}
    for agent, mine in grouped.items():
        if len(mine) < MIN_CONTRADICTION:
            continue
        k = sum(contradicts_high(r) for r in mine)
        p0 = _smoothed(total_k - k, total_n - len(mine))
        tests[agent] = _binomial_greater(k, len(mine), p0)
        facts[agent] = (k, mine, p0)
    findings = []
    for agent, p in sorted(_holm_pick(tests).items()):
        k, mine, p0 = facts[agent]
        n = len(mine)
        reverse = [r.id for r in mine if contradicts_low(r)]
        findings.append(
            Finding(
                kind=GamingCheck.CONTRADICTION,
                agent_id=agent,
                statistic=round(k / n, 4),
                p_value=p,
                explanation=(
                    f"{_name(names, agent)}: {k} of {n} scored responses ({k / n:.0%}) give a high "
                    f"score while the customer's words were negative (sentiment ≤ {NEGATIVE}); "
                    f"the rest of the center shows {p0:.1%}, so {n * p0:.1f} were expected."
                ),
                evidence={
                    "responses": n,
                    "contradicting": k,
                    "expected": round(n * p0, 2),
                    "center_rate": round(p0, 4),
                    "response_ids": [r.id for r in mine if contradicts_high(r)][:200],
                    "low_score_positive_words_ids": reverse[:200],
                },
            )
        )
    return findings


def clustering_check(rows: Iterable[ResponseRow], *, names: Names) -> list[Finding]:
    """Answers from several customers on one device or network hash, improbable given how often
    the rest of the center's answers come from that hash."""
    rows = [r for r in rows if r.agent_id is not None]
    tests: dict[tuple[int, str, str], float] = {}
    facts: dict[tuple[int, str, str], dict] = {}
    for attribute in ("device", "network"):
        _cluster_tests(rows, attribute, tests, facts)
    keys = list(tests)
    reject, adjusted = holm([tests[k] for k in keys], alpha=ALPHA)
    found: dict[int, list[dict]] = defaultdict(list)
    for key, rejected, p in zip(keys, reject, adjusted, strict=True):
        if rejected:
            found[key[0]].append({**facts[key], "p_adjusted": p})
    return [_cluster_finding(agent, clusters, names) for agent, clusters in sorted(found.items())]


def _cluster_tests(rows: list[ResponseRow], attribute: str, tests: dict, facts: dict) -> None:
    hashed = [r for r in rows if getattr(r, attribute)]
    center = Counter(getattr(r, attribute) for r in hashed)
    for agent, mine in _by_agent(hashed, lambda r: True).items():
        per_hash: dict[str, list[ResponseRow]] = defaultdict(list)
        for r in mine:
            per_hash[getattr(r, attribute)].append(r)
        for value, shared in per_hash.items():
            customers = {r.customer_id if r.customer_id is not None else -r.id for r in shared}
            if len(customers) < MIN_CLUSTER:
                continue
            rest_share = _smoothed(center[value] - len(shared), len(hashed) - len(mine))
            key = (agent, attribute, value)
            tests[key] = _binomial_greater(len(shared), len(mine), rest_share)
            facts[key] = {
                "kind": attribute,
                "hash": value,
                "responses": len(shared),
                "customers": len(customers),
                "agent_responses": len(mine),
                "expected": round(len(mine) * rest_share, 3),
                "response_ids": [r.id for r in shared][:200],
            }


def _cluster_finding(agent: int, clusters: list[dict], names: Names) -> Finding:
    clusters.sort(key=lambda c: -c["responses"])
    top = clusters[0]
    word = "device" if top["kind"] == "device" else "network"
    return Finding(
        kind=GamingCheck.CLUSTERING,
        agent_id=agent,
        statistic=float(top["responses"]),
        p_value=min(c["p_adjusted"] for c in clusters),
        explanation=(
            f"{_name(names, agent)}: {top['responses']} of {top['agent_responses']} responses, "
            f"from {top['customers']} different customers, came from one {word} "
            f"({top['hash']}); the rest of the center's answers from it predict "
            f"{top['expected']:.2f}."
            + (
                f" {len(clusters) - 1} more cluster(s) in the evidence."
                if len(clusters) > 1
                else ""
            )
        ),
        evidence={"clusters": clusters},
    )


def improbable_check(rows: Iterable[ResponseRow], *, names: Names) -> list[Finding]:
    """Top-two-box share against what the center's rates per (channel, contact type) predict for
    the agent's own mix; a chi-square of the 1–5 distribution is added where n allows."""
    rows = [r for r in rows if r.csat is not None and r.agent_id is not None]
    cells = _cell_counts(rows)
    tests, facts = {}, {}
    for agent, mine in _by_agent(rows, lambda r: True).items():
        if len(mine) < MIN_IMPROBABLE:
            continue
        mine_cells = _cell_counts(mine)
        rest = {cell: cells[cell] - mine_cells.get(cell, Counter()) for cell in cells}
        overall = sum(rest.values(), Counter())
        probabilities = [_top_two_p(rest.get(_cell(r)), overall) for r in mine]
        observed = sum((r.csat or 0) >= 4 for r in mine)
        expected = sum(probabilities)
        variance = sum(p * (1 - p) for p in probabilities)
        z = (observed - expected) / math.sqrt(variance)
        tests[agent] = float(scipy_stats.norm.sf(z))
        facts[agent] = (observed, expected, z, mine, _chi_square(mine, rest, overall))
    findings = []
    for agent, p in sorted(_holm_pick(tests).items()):
        observed, expected, z, mine, chi = facts[agent]
        findings.append(_improbable_finding(agent, observed, expected, z, p, mine, chi, names))
    return findings


def _cell(r: ResponseRow) -> tuple[str, int | None]:
    return (r.channel, r.contact_type_id)


def _cell_counts(rows: Iterable[ResponseRow]) -> dict[tuple, Counter]:
    cells: dict[tuple, Counter] = defaultdict(Counter)
    for r in rows:
        cells[_cell(r)][r.csat] += 1
    return cells


def _top_two_p(cell: Counter | None, overall: Counter) -> float:
    # A cell the rest of the center never answered in falls back to the center's overall rate.
    source = cell if cell and sum(cell.values()) else overall
    return _smoothed(source[4] + source[5], sum(source.values()))


def _chi_square(mine: list[ResponseRow], rest: dict, overall: Counter) -> dict | None:
    expected = [0.0] * 5
    for r in mine:
        source = rest.get(_cell(r))
        source = source if source and sum(source.values()) else overall
        total = sum(source.values()) + 2.5  # ½ smoothing on each of five scores
        for score in range(1, 6):
            expected[score - 1] += (source[score] + 0.5) / total
    observed = [sum(r.csat == s for r in mine) for s in range(1, 6)]
    if min(expected) < 5:
        # Scores 1 to 3 pooled, so rare low scores do not break the approximation.
        observed = [sum(observed[:3]), observed[3], observed[4]]
        expected = [sum(expected[:3]), expected[3], expected[4]]
    if min(expected) < 5:
        return None
    result = scipy_stats.chisquare(observed, f_exp=expected)
    return {
        "observed": observed,
        "expected": [round(e, 2) for e in expected],
        "chi2": round(float(result.statistic), 3),
        "p_value": float(result.pvalue),
    }


def _improbable_finding(agent, observed, expected, z, p, mine, chi, names: Names) -> Finding:
    n = len(mine)
    chi_text = ""
    if chi is not None:
        chi_text = (
            f" The 1–5 distribution differs from the mix's too (χ² p = {chi['p_value']:.2g})."
        )
    mix = Counter(f"{r.channel}/{r.contact_type_id or '-'}" for r in mine)
    return Finding(
        kind=GamingCheck.IMPROBABLE,
        agent_id=agent,
        statistic=round(z, 3),
        p_value=p,
        explanation=(
            f"{_name(names, agent)}: {observed} of {n} CSAT answers were 4–5 ({observed / n:.0%}); "
            f"the center's rates for the same channels and contact types predict {expected:.1f} "
            f"({expected / n:.0%}), z = {z:.1f}.{chi_text}"
        ),
        evidence={
            "responses": n,
            "observed_top_two": observed,
            "expected_top_two": round(expected, 2),
            "z": round(z, 3),
            "mix": dict(mix),
            "chi_square": chi,
            "response_ids": [r.id for r in mine][:200],
        },
    )
