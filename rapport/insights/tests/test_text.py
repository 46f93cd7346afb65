"""text_score: VADER plus the contact-center layer, intents, topics and the explanation."""

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vaderSentiment.vaderSentiment import SentimentIntensityAnalyzer

from rapport.insights.choices import Intent, Sentiment
from rapport.insights.text import MAX_CHARS, sentiment_of, text_score

VADER = SentimentIntensityAnalyzer()


def vader(text: str) -> float:
    return VADER.polarity_scores(text)["compound"]


# --- The contact-center layer -------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "Still waiting for support",  # VADER: positive
        "I've been on hold for 40 minutes",
        "Nobody called me back",
        "I have been charged twice this month",
        "This is the third time I have called about this",
        "My broadband is not working",
        "Honestly a waste of time",
    ],
)
def test_contact_center_phrases_read_more_negative_than_vader(text):
    score = text_score(text)
    assert score.sentiment == Sentiment.NEGATIVE
    assert score.compound < vader(text)
    assert score.explanation["phrases"], "the phrase that moved it is named"


def test_support_is_not_praise_but_thanks_is():
    thanks = text_score("thanks for your support")
    waiting = text_score("still waiting for support")
    assert thanks.sentiment == Sentiment.POSITIVE
    assert waiting.sentiment == Sentiment.NEGATIVE
    # "support" itself no longer adds anything: plain VADER counts it as praise.
    assert text_score("support").compound == 0.0
    assert vader("support") > 0


def test_a_request_is_not_a_liking_and_a_sign_off_is_not_a_feeling():
    assert vader("I would like to cancel my account") > 0
    assert text_score("I would like to cancel my account").sentiment == Sentiment.NEGATIVE
    assert vader("Kind regards, John") > 0.05
    signed = text_score("Kind regards, John")
    assert signed.sentiment == Sentiment.NEUTRAL
    assert signed.explanation["rewrites"][0]["rule"] == "e-mail sign-off"


def test_positive_phrases_lift_the_score():
    plain = text_score("Sarah sorted it out for me")
    assert plain.sentiment == Sentiment.POSITIVE
    rules = {p["rule"] for p in plain.explanation["phrases"]}
    assert "sorted it" in rules
    assert text_score("thank you so much").compound > vader("thank you so much") > 0


def test_negation_of_words_is_vaders_and_of_positive_phrases_ours():
    assert text_score("The agent was not helpful").sentiment == Sentiment.NEGATIVE
    negated = text_score("It was not really helpful")
    assert "really helpful" not in {p["rule"] for p in negated.explanation["phrases"]}
    assert negated.sentiment == Sentiment.NEGATIVE


def test_thresholds_follow_vader():
    assert sentiment_of(0.05) == Sentiment.POSITIVE
    assert sentiment_of(0.0499) == Sentiment.NEUTRAL
    assert sentiment_of(-0.0499) == Sentiment.NEUTRAL
    assert sentiment_of(-0.05) == Sentiment.NEGATIVE


def test_empty_text_is_neutral_with_nothing_found():
    for text in ("", "   ", "!!! ..."):
        score = text_score(text)
        assert (score.compound, score.sentiment, score.intents, score.topics, score.words) == (
            0.0,
            Sentiment.NEUTRAL,
            [],
            [],
            0,
        )


def test_words_are_counted():
    assert text_score("I want to cancel my account").words == 6


# --- Intents --------------------------------------------------------------------------------------

FOUND = [
    (Intent.CHURN, "I want to cancel my account today"),
    (Intent.CHURN, "Please close my account"),
    (Intent.CHURN, "I'm switching to Vodafone next month"),
    (Intent.CHURN, "We are going to leave you after this"),
    (Intent.CHURN, "Give me the code to port my number"),
    (Intent.COMPLAINT, "I want to make a formal complaint"),
    (Intent.COMPLAINT, "This is unacceptable"),
    (Intent.COMPLAINT, "Frankly disgraceful"),
    (Intent.PURCHASE, "I'd like to upgrade my phone"),
    (Intent.PURCHASE, "How much is the fibre package?"),
    (Intent.PURCHASE, "I'm interested in a new contract"),
    (Intent.LEGAL, "I will take this to the ombudsman"),
    (Intent.LEGAL, "My solicitor will hear about this"),
    (Intent.LEGAL, "I'm reporting this to Ofcom"),
    (Intent.LEGAL, "I will take legal action"),
    (Intent.MANAGER, "Let me speak to a manager"),
    (Intent.MANAGER, "I want you to escalate this"),
    (Intent.COMPLIMENT, "Thank you so much for today"),
    (Intent.COMPLIMENT, "Priya was lovely on the phone"),
    (Intent.COMPLIMENT, "Really helpful, great service"),
]


@pytest.mark.parametrize(("intent", "text"), FOUND)
def test_each_intent_is_found_and_explained(intent, text):
    score = text_score(text)
    assert intent in score.intents
    matched = score.explanation["intents"][intent]
    assert matched and all(m["phrase"].lower() in text.lower() for m in matched)


NOT_FOUND = [
    (Intent.CHURN, "I don't want to cancel my account"),
    (Intent.CHURN, "I'll leave a message for you"),
    (Intent.CHURN, "I'm switching to paperless bills"),
    (Intent.CHURN, "How do I cancel a payment I made by mistake?"),
    (Intent.COMPLAINT, "Everything is fine, thank you"),
    (Intent.PURCHASE, "My bill is too high"),
    (Intent.LEGAL, "I have a question about my statement"),
    (Intent.MANAGER, "My manager asked me to call about our account"),
    (Intent.COMPLIMENT, "It was not brilliant at all"),
    (Intent.COMPLIMENT, "It was great until the line dropped"),
]


@pytest.mark.parametrize(("intent", "text"), NOT_FOUND)
def test_an_intent_is_not_claimed_without_its_phrase(intent, text):
    score = text_score(text)
    assert intent not in score.intents
    assert intent not in score.explanation["intents"]


# --- Topics and explanation -------------------------------------------------------------------------


def test_topics_name_the_words_they_matched():
    score = text_score("You overcharged me on my bill and the refund never arrived")
    assert set(score.topics) >= {"billing", "payments", "delivery"}
    assert "overcharged" in score.explanation["topics"]["billing"]
    assert "refund" in score.explanation["topics"]["payments"]


def test_explanation_lists_what_moved_the_score():
    score = text_score("Still waiting for my refund, this is unacceptable. Please help")
    explanation = score.explanation
    words = {w["word"]: w for w in explanation["words"]}
    # The layer's words are marked with VADER's own weight beside ours.
    assert words["refund"]["layer"] == "contact_center"
    assert words["refund"]["weight"] < 0
    assert words["please"]["weight"] == 0 and words["please"]["vader"] > 0
    assert words["unacceptable"]["weight"] < 0
    assert [p["rule"] for p in explanation["phrases"]] == ["still waiting"]
    assert explanation["compound"] == score.compound
    assert explanation["vader_compound"] > score.compound  # the phrase pulled it down
    assert Intent.COMPLAINT in explanation["intents"]


def test_a_span_is_claimed_by_one_phrase_rule():
    score = text_score("nobody called back")
    assert [p["rule"] for p in score.explanation["phrases"]] == ["nobody called back"]


def test_long_text_is_scored_on_its_beginning():
    score = text_score("great " * (MAX_CHARS // 6 + 1000))
    assert score.words == MAX_CHARS // 6 + 1  # "great " is 6 characters, the cut leaves 1 more


def test_short_message_is_fast():
    text = "I have been on hold for 45 minutes and nobody called back, this is unacceptable"
    text_score(text)
    started = time.perf_counter()
    for _ in range(200):
        text_score(text)
    per_message = (time.perf_counter() - started) / 200
    assert per_message < 0.005  # target 0.5 ms; ten times that leaves room for a busy CI machine


@settings(max_examples=300, deadline=None)
@given(st.text())
def test_any_text_gives_a_bounded_score(text):
    score = text_score(text)
    assert -1.0 <= score.compound <= 1.0
    assert score.sentiment == sentiment_of(score.compound)
    assert set(score.intents) <= set(Intent.values)


@settings(max_examples=100, deadline=None)
@given(
    st.lists(
        st.sampled_from(
            [
                "still",
                "waiting",
                "not",
                "cancel",
                "great",
                "!",
                "?",
                "no",
                "but",
                "kind",
                "of",
                "😡",
                "😀",
                "ALL",
                "very",
            ]
        ),
        max_size=30,
    )
)
def test_word_salad_gives_a_bounded_score(words):
    score = text_score(" ".join(words))
    assert -1.0 <= score.compound <= 1.0


def test_praise_for_how_the_agent_handled_it_is_positive():
    score = text_score("The person I spoke to was patient and knew exactly what to do.")
    assert score.sentiment == Sentiment.POSITIVE
    assert {hit["phrase"] for hit in score.explanation["phrases"]} == {
        "was patient",
        "knew exactly what to do",
    }


@pytest.mark.parametrize(
    "text",
    ["thinking of cancelling and moving to another provider", "We are going to a cheaper bank"],
)
def test_talk_of_leaving_without_the_word_account_is_churn(text):
    assert Intent.CHURN in text_score(text).intents
