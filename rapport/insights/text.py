"""What a customer's words say: sentiment, intents and topics, each explained.

Sentiment is VADER (Hutto & Gilbert, 2014) with a contact-center layer on top, because VADER was
built on social media and reviews and misreads how people talk to a service desk:

1. Lexicon changes (`LEXICON_UPDATES`, `LEXICON_NEUTRAL`): "support" and "help" name a department,
   not praise; "please", "yes", "dear" are politeness; "cancel", "refund", "charged" mean trouble.
2. Rewrites before VADER (`REWRITES`): "I'd like to" is a request, not a liking; e-mail sign-offs
   ("Kind regards", "Best wishes") are not feelings.
3. Phrase rules after VADER (`PHRASE_RULES`): phrases whose words are neutral one by one but not
   together ("still waiting", "on hold for an hour", "charged twice", "not working"). Their
   weights are on VADER's valence scale (−4 … +4) and are added to VADER's sum before it is
   normalised to the compound, so a phrase moves the score as much as a lexicon word would.

The label follows VADER's own convention: compound ≥ +0.05 positive, ≤ −0.05 negative, neutral
between (`POSITIVE_AT`, `NEGATIVE_AT`).

Intents and topics are phrase patterns; each match is kept in the explanation. An intent phrase
right after a negation ("I don't want to cancel my account") does not count.

Pure: no database, no settings. About 0.2 ms a sentence on a quiet machine, 0.4–0.7 ms under load
(bench/sentiment_accuracy.py prints it).
"""

import re
from dataclasses import dataclass, field
from typing import Any

from vaderSentiment.vaderSentiment import (
    BOOSTER_DICT,
    SentimentIntensityAnalyzer,
    SentiText,
    normalize,
)

from rapport.insights.choices import Intent, Sentiment

POSITIVE_AT = 0.05
NEGATIVE_AT = -0.05
# Longer texts are scored on their beginning: it bounds the time of one score.
MAX_CHARS = 20_000

# Words VADER scores that mean nothing here: removed from the lexicon, so they behave like any
# other neutral word (and no longer block VADER's negation look-back).
LEXICON_NEUTRAL = frozenset(
    {"support", "help", "please", "yes", "dear", "ok", "okay", "hold", "free", "like"}
)
# Words whose weight here differs from VADER's (or that VADER lacks), on VADER's -4 … +4 scale.
LEXICON_UPDATES: dict[str, float] = {
    "cancel": -1.5,
    "cancelled": -1.2,
    "canceled": -1.2,
    "cancelling": -1.2,
    "cancellation": -1.2,
    "refund": -1.0,
    "charged": -1.2,
    "overcharged": -2.5,
    "disconnected": -1.5,
    "outage": -2.0,
    "faulty": -1.8,
    "unresolved": -1.8,
    "overdue": -1.0,
    "escalate": -1.2,
    "ombudsman": -1.5,
    "unacceptable": -2.5,
    "disgraceful": -3.0,
    "appalling": -3.0,
    "fixed": 1.5,
    "resolved": 1.5,
    "sorted": 1.2,
    "thanks": 1.5,
}

# (name, pattern, replacement): applied before VADER, in order.
REWRITES: tuple[tuple[str, str, str], ...] = (
    ("request, not liking", r"\b(?:would|'d|wd) like\b", "want"),
    ("e-mail sign-off", r"\b(?:kind|best|warm|warmest)\s+(?:regards|wishes)\b", ""),
    ("e-mail sign-off", r"\byours\s+(?:sincerely|faithfully|truly)\b", ""),
)


@dataclass(frozen=True)
class PhraseRule:
    name: str
    pattern: str
    weight: float


PHRASE_RULES: tuple[PhraseRule, ...] = (
    PhraseRule(
        "still waiting", r"\bstill\s+(?:waiting|waitin|not|no|haven'?t|hasn'?t|nothing)\b", -2.0
    ),
    PhraseRule(
        "nobody called back",
        r"\b(?:no\s*one|nobody|no-one|never)\s+(?:has\s+|ever\s+)?(?:called|rang|phoned|"
        r"got|emailed|e-mailed|came|come|contacted)(?:\s+me)?\s+back\b|\bnever\s+heard\s+back\b",
        -2.2,
    ),
    PhraseRule(
        "on hold for long",
        r"\b(?:on\s+hold|waiting|waited|queued?|queueing)\s+for\s+(?:over\s+|nearly\s+|almost\s+)?"
        r"(?:\d+|an?|one|two|three|ages|hours|days|weeks|ever|so\s+long)\b",
        -1.8,
    ),
    PhraseRule(
        "charged twice",
        r"\b(?:charged|billed|taken)\s+(?:me\s+)?(?:twice|double|two\s+times)\b|"
        r"\bdouble[\s-]+(?:charged|billed)\b",
        -2.2,
    ),
    PhraseRule(
        "contacted again and again",
        r"\b(?:second|third|fourth|fifth|\d+(?:st|nd|rd|th))\s+time\b|"
        r"\b(?:called|rung|rang|phoned|contacted|emailed|chased)\s+(?:you\s+)?"
        r"(?:\d+|three|four|five|six|several|many|multiple|countless)\s+times\b",
        -1.8,
    ),
    PhraseRule("nobody", r"\b(?:nobody|no\s*one|no-one)\b", -1.0),
    PhraseRule("waste of time", r"\bwaste\s+of\s+(?:my\s+|our\s+)?(?:time|money)\b", -2.0),
    PhraseRule(
        "not working",
        r"\b(?:not|isn'?t|aren'?t|wasn'?t|still\s+not|stopped|doesn'?t|don'?t|won'?t)\s+"
        r"(?:working|work|connecting|connect|loading|load)\b",
        -1.8,
    ),
    PhraseRule("cut off", r"\b(?:cut\s+off|hung\s+up\s+on|put\s+the\s+phone\s+down\s+on)\b", -1.5),
    PhraseRule(
        "no service",
        r"\bno\s+(?:internet|signal|service|connection|broadband|power|water|heating|dial\s+tone)\b",
        -1.5,
    ),
    PhraseRule("had enough", r"\b(?:had\s+enough|sick\s+and\s+tired|fed\s+up)\b", -1.5),
    PhraseRule(
        "sorted it",
        r"\b(?:sorted\s+(?:it|this|that|everything|me)(?:\s+out)?|got\s+it\s+sorted|all\s+sorted|"
        r"sorted\s+out)\b",
        2.0,
    ),
    PhraseRule(
        "thank you so much",
        r"\b(?:thank\s+you|thanks)\s+(?:so|very)\s+much\b|\bmany\s+thanks\b|\bthanks\s+a\s+lot\b",
        1.5,
    ),
    PhraseRule(
        "really helpful", r"\b(?:really|very|so|super|extremely|incredibly)\s+helpful\b", 1.5
    ),
    PhraseRule(
        "problem solved",
        r"\b(?:problem|issue|fault)\s+(?:is\s+|was\s+|has\s+been\s+|now\s+)?"
        r"(?:solved|resolved|fixed|sorted)\b|\bworking\s+(?:again|now|fine|perfectly)\b",
        1.8,
    ),
    PhraseRule("above and beyond", r"\babove\s+and\s+beyond\b", 2.5),
    PhraseRule(
        "knew what to do",
        r"\b(?:was|were)\s+(?:so\s+|very\s+|really\s+)?(?:patient|knowledgeable|thorough)\b|"
        r"\bknew\s+(?:exactly\s+)?what\s+(?:to\s+do|they\s+were\s+doing|(?:s)?he\s+was\s+doing)\b",
        1.8,
    ),
)

# An intent or a phrase is not claimed when one of these stands just before it (up to two words).
_NEGATED_BEFORE = re.compile(
    r"\b(?:not|never|no|don'?t|do\s+not|didn'?t|won'?t|wasn'?t|isn'?t|hardly|nothing|"
    r"no\s+need\s+to|no\s+intention\s+(?:to|of))\b(?:\s+[\w']+){0,2}\s*$",
    re.IGNORECASE,
)

# Intent patterns are matched case-insensitively, except where (?-i:…) asks for a capital.
INTENT_PATTERNS: dict[str, tuple[tuple[str, str], ...]] = {
    Intent.CHURN: (
        (
            "cancel my account",
            r"\bcancel(?:l?ing|l?ed)?\s+(?:my|our|the|this)\s+(?:\w+\s+)?(?:account|contract|"
            r"subscription|service|plan|policy|membership|broadband|line|card|insurance)\b",
        ),
        ("close my account", r"\bclos(?:e|ing)\s+(?:my|our|the)\s+(?:\w+\s+)?account\b"),
        (
            "end my contract",
            r"\b(?:end|terminate|terminating|ending)\s+(?:my|our|the)\s+(?:contract|agreement|policy)\b",
        ),
        (
            "switch to a competitor",
            r"\bswitch(?:ing)?\s+(?:over\s+)?to\s+(?:another|a\s+different|a\s+cheaper|a\s+new)\s+"
            r"(?:provider|bank|supplier|network|company|insurer|lender)\b|"
            r"\bswitch(?:ing)?\s+(?:over\s+)?to\s+(?-i:(?!Direct\b|Paperless\b)[A-Z][\w&-]+)",
        ),
        (
            "leave",
            r"\b(?:i'?m|i\s+am|we'?re|we\s+are|i'?ll|i\s+will|we'?ll|we\s+will|going\s+to|gonna|"
            r"want\s+to|thinking\s+(?:of|about))\s+(?:be\s+)?leav(?:e|ing)\b"
            r"(?!\s+(?:a|my|the)\s+(?:message|review|note|voicemail|feedback|house|office))",
        ),
        (
            "moving to another provider",
            r"\b(?:mov(?:e|ing)|go(?:ing)?)\s+(?:over\s+)?to\s+(?:another|a\s+different|a\s+cheaper)\s+"
            r"(?:provider|bank|supplier|network|company|insurer|lender)\b",
        ),
        (
            "thinking of cancelling",
            r"\b(?:thinking\s+(?:of|about)|considering|going\s+to|want\s+to|about\s+to)\s+"
            r"cancel(?:l?ing)?\b",
        ),
        ("take my business elsewhere", r"\b(?:take|taking)\s+(?:my|our)\s+business\s+elsewhere\b"),
        ("port my number", r"\bport(?:ing)?\s+(?:my|our|the)\s+numbers?\b|\bpac\s+code\b"),
        ("not renewing", r"\bnot\s+(?:be\s+)?renew(?:ing)?\b"),
    ),
    Intent.COMPLAINT: (
        ("formal complaint", r"\bformal\s+complaint\b"),
        ("complaint", r"\bcomplain(?:t|ts|ing|ed)?\b"),
        ("unacceptable", r"\bunacceptable\b"),
        ("disgraceful", r"\b(?:disgraceful|disgusted|appalling|shocking\s+service)\b"),
        ("not good enough", r"\bnot\s+good\s+enough\b"),
    ),
    Intent.PURCHASE: (
        ("upgrade", r"\bupgrad(?:e|ing)\b"),
        ("interested in", r"\binterested\s+in\b"),
        ("how much is", r"\bhow\s+much\s+(?:is|are|does|do|would|will)\b"),
        ("buy", r"\bbuy(?:ing)?\b|\bpurchas(?:e|ing)\b"),
        (
            "new contract",
            r"\bnew\s+(?:contract|plan|phone|policy|account|card|line|package|tariff)\b",
        ),
        ("sign up", r"\bsign(?:ing)?\s+up\b"),
        ("quote", r"\b(?:get\s+)?a\s+quote\b"),
    ),
    Intent.LEGAL: (
        ("ombudsman", r"\bombudsman\b"),
        ("regulator", r"\bregulators?\b"),
        ("lawyer", r"\b(?:lawyers?|solicitors?|attorneys?)\b"),
        ("sue", r"\bsu(?:e|ing)\s+(?:you|your|the)\b"),
        (
            "legal action",
            r"\blegal\s+action\b|\btake\s+(?:you|this)\s+to\s+court\b|\bsmall\s+claims\b",
        ),
        ("trading standards", r"\btrading\s+standards\b"),
        ("named regulator", r"\b(?:fca|ofcom|ofgem|ofwat|cfpb|ftc|bbb|finra|cma|ico)\b"),
        ("report you", r"\breport(?:ing)?\s+(?:you|this|your\s+company)\s+to\b"),
    ),
    Intent.MANAGER: (
        (
            "speak to a manager",
            r"\b(?:speak|talk)\s+(?:to|with)\s+(?:a|your|the|someone'?s?)\s+(?:manager|supervisor|"
            r"team\s+leader|boss|senior)\b|\b(?:speak|talk)\s+(?:to|with)\s+someone\s+(?:senior|"
            r"more\s+senior|in\s+charge)\b",
        ),
        (
            "put me through to a manager",
            r"\b(?:put\s+me\s+through|transfer\s+me|get\s+me)\s+(?:to\s+)?(?:a|your|the)\s+"
            r"(?:manager|supervisor)\b",
        ),
        (
            "escalate this",
            r"\bescalat(?:e|ing)\s+(?:this|it|my\s+complaint|the\s+matter|my\s+case)\b",
        ),
        ("manager please", r"\b(?:manager|supervisor)\s*,?\s+please\b"),
    ),
    Intent.COMPLIMENT: (
        ("thank you so much", r"\b(?:thank\s+you|thanks)\s+(?:so|very)\s+much\b"),
        ("brilliant", r"\bbrilliant\b"),
        (
            "great service",
            r"\b(?:great|excellent|fantastic|amazing|superb|outstanding)\s+service\b",
        ),
        ("really helpful", r"\b(?:really|very|so|super|extremely|incredibly)\s+helpful\b"),
        (
            "agent was lovely",
            r"\b(?-i:(?!It\b|That\b|This\b|Everything\b|Nothing\b|What\b|Which\b|There\b)"
            r"[A-Z][a-z]+)\s+(?:was|has\s+been|is)\s+(?:so\s+|really\s+|very\s+|absolutely\s+)?"
            r"(?:lovely|brilliant|great|amazing|fantastic|wonderful|helpful|excellent|a\s+star|"
            r"so\s+kind|patient)\b",
        ),
        ("above and beyond", r"\babove\s+and\s+beyond\b"),
        ("pass on my thanks", r"\bpass\s+on\s+my\s+thanks\b|\ba\s+credit\s+to\b"),
    ),
}

# Topic: (label, keywords or phrases). Matched as whole words, case-insensitively.
TOPICS: dict[str, tuple[str, tuple[str, ...]]] = {
    "billing": (
        "Billing",
        (
            "bill",
            "bills",
            "billing",
            "billed",
            "invoice",
            "statement",
            "charged",
            "charge",
            "charges",
            "overcharged",
            "fee",
            "fees",
        ),
    ),
    "payments": (
        "Payments",
        (
            "payment",
            "payments",
            "pay",
            "paid",
            "refund",
            "refunded",
            "direct debit",
            "card declined",
            "declined",
            "instalment",
            "transfer",
        ),
    ),
    "fault": (
        "Fault or outage",
        (
            "fault",
            "faulty",
            "outage",
            "not working",
            "broken",
            "down",
            "no signal",
            "no internet",
            "disconnected",
            "engineer",
            "repair",
            "error",
            "connection",
        ),
    ),
    "delivery": (
        "Delivery",
        (
            "delivery",
            "delivered",
            "deliver",
            "parcel",
            "package",
            "courier",
            "dispatched",
            "shipped",
            "shipping",
            "tracking",
            "arrived",
            "arrive",
        ),
    ),
    "account_access": (
        "Account access",
        (
            "password",
            "log in",
            "login",
            "locked out",
            "sign in",
            "username",
            "verification code",
            "two-factor",
            "2fa",
            "reset my",
            "access my account",
        ),
    ),
    "pricing": (
        "Pricing",
        (
            "price",
            "prices",
            "cost",
            "costs",
            "expensive",
            "cheaper",
            "price increase",
            "tariff",
            "discount",
            "deal",
            "rate",
        ),
    ),
    "cancellation": (
        "Cancellation",
        (
            "cancel",
            "cancelled",
            "canceled",
            "cancellation",
            "close my account",
            "terminate",
            "end my contract",
            "leaving",
            "switch",
        ),
    ),
    "product_info": (
        "Product information",
        (
            "how does",
            "what is",
            "features",
            "information about",
            "details of",
            "which plan",
            "does it include",
            "compatible",
            "plan",
            "product",
        ),
    ),
    "complaint_handling": (
        "Complaint handling",
        (
            "complaint",
            "complain",
            "escalate",
            "manager",
            "supervisor",
            "ombudsman",
            "call back",
            "called back",
            "no one",
            "nobody",
        ),
    ),
}


@dataclass(frozen=True)
class TextScore:
    compound: float
    sentiment: str
    intents: list[str] = field(default_factory=list)
    topics: list[str] = field(default_factory=list)
    explanation: dict[str, Any] = field(default_factory=dict)
    words: int = 0


def _compile(pattern: str) -> re.Pattern[str]:
    return re.compile(pattern, re.IGNORECASE)


_ANALYZER = SentimentIntensityAnalyzer()
_VADER_LEXICON = dict(_ANALYZER.lexicon)
for _word in LEXICON_NEUTRAL:
    _ANALYZER.lexicon.pop(_word, None)
_ANALYZER.lexicon.update(LEXICON_UPDATES)

_REWRITES = tuple((name, _compile(pattern), to) for name, pattern, to in REWRITES)
_PHRASES = tuple((rule, _compile(rule.pattern)) for rule in PHRASE_RULES)
_INTENTS = {
    intent: tuple((name, _compile(pattern)) for name, pattern in patterns)
    for intent, patterns in INTENT_PATTERNS.items()
}
_TOPICS = {
    key: _compile(r"\b(?:" + "|".join(re.escape(w) for w in words) + r")\b")
    for key, (_label, words) in TOPICS.items()
}
_WORD = re.compile(r"\w+")


def sentiment_of(compound: float) -> str:
    if compound >= POSITIVE_AT:
        return Sentiment.POSITIVE
    if compound <= NEGATIVE_AT:
        return Sentiment.NEGATIVE
    return Sentiment.NEUTRAL


def text_score(text: str) -> TextScore:
    """Score one customer's words. Empty text is neutral with nothing found."""
    text = (text or "")[:MAX_CHARS]
    words = len(_WORD.findall(text))
    if not words:
        return TextScore(compound=0.0, sentiment=Sentiment.NEUTRAL, explanation={}, words=0)
    rewritten, rewrites = _rewrite(text)
    vader_sum, word_weights = _vader_sum(rewritten)
    phrases = _phrases(text)
    total = vader_sum + sum(p["weight"] for p in phrases)
    compound = round(normalize(total), 4) if total else 0.0
    intents = _intents(text)
    topics = _topics(text)
    explanation = {
        "vader_compound": round(normalize(vader_sum), 4) if vader_sum else 0.0,
        "compound": compound,
        "words": word_weights,
        "rewrites": rewrites,
        "phrases": phrases,
        "intents": intents,
        "topics": topics,
    }
    return TextScore(
        compound=compound,
        sentiment=sentiment_of(compound),
        intents=list(intents),
        topics=list(topics),
        explanation=explanation,
        words=words,
    )


def _rewrite(text: str) -> tuple[str, list[dict[str, str]]]:
    applied = []
    for name, pattern, to in _REWRITES:
        for match in pattern.finditer(text):
            applied.append({"rule": name, "phrase": match.group(0), "became": to})
        text = pattern.sub(to, text)
    return text, applied


def _vader_sum(text: str) -> tuple[float, list[dict[str, Any]]]:
    """VADER's sum of valences (before normalising), with each word's part in it.

    The same steps as SentimentIntensityAnalyzer.polarity_scores, kept apart so the layer's phrase
    weights can join the sum and each word's contribution (after VADER's negation, booster and
    "but" rules) can be shown."""
    analyzer = _ANALYZER
    text = "".join(
        f" {analyzer.emojis[ch]} " if ch in analyzer.emojis else ch for ch in text
    ).strip()
    sentitext = SentiText(text)
    tokens = sentitext.words_and_emoticons
    sentiments: list[float] = []
    for i, item in enumerate(tokens):
        lower = item.lower()
        if lower in BOOSTER_DICT or (
            lower == "kind" and i < len(tokens) - 1 and tokens[i + 1].lower() == "of"
        ):
            sentiments.append(0.0)
            continue
        sentiments = analyzer.sentiment_valence(0.0, sentitext, item, i, sentiments)
    sentiments = analyzer._but_check(tokens, sentiments)
    if not sentiments:
        return 0.0, []
    total = float(sum(sentiments))
    emphasis = analyzer._punctuation_emphasis(text)
    if total > 0:
        total += emphasis
    elif total < 0:
        total -= emphasis
    return total, _word_weights(tokens, sentiments)


def _word_weights(tokens: list[str], sentiments: list[float]) -> list[dict[str, Any]]:
    shown = []
    for token, valence in zip(tokens, sentiments, strict=False):
        lower = token.lower()
        layer = lower in LEXICON_UPDATES or lower in LEXICON_NEUTRAL
        if not valence and not (layer and lower in _VADER_LEXICON):
            continue
        entry: dict[str, Any] = {"word": lower, "weight": round(float(valence), 3)}
        if layer:
            entry["vader"] = _VADER_LEXICON.get(lower, 0.0)
            entry["layer"] = "contact_center"
        shown.append(entry)
    return shown


def _phrases(text: str) -> list[dict[str, Any]]:
    """Phrase rules, each span claimed once: an earlier (more specific) rule wins an overlap."""
    found: list[dict[str, Any]] = []
    taken: list[tuple[int, int]] = []
    for rule, pattern in _PHRASES:
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < t_end and t_start < end for t_start, t_end in taken):
                continue
            if rule.weight > 0 and _negated(text, start):
                continue
            taken.append((start, end))
            found.append({"rule": rule.name, "phrase": match.group(0), "weight": rule.weight})
    return found


def _negated(text: str, start: int) -> bool:
    return bool(_NEGATED_BEFORE.search(text[max(0, start - 40) : start]))


def _intents(text: str) -> dict[str, list[dict[str, str]]]:
    found: dict[str, list[dict[str, str]]] = {}
    for intent, patterns in _INTENTS.items():
        for name, pattern in patterns:
            for match in pattern.finditer(text):
                if _negated(text, match.start()):
                    continue
                found.setdefault(str(intent), []).append({"rule": name, "phrase": match.group(0)})
    return found


def _topics(text: str) -> dict[str, list[str]]:
    found = {}
    for key, pattern in _TOPICS.items():
        matched = sorted({m.group(0).lower() for m in pattern.finditer(text)})
        if matched:
            found[key] = matched
    return found
