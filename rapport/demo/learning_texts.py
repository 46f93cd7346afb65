"""The words of the demo's briefings and feature-feedback polls. Plain data.

Briefing times are relative to the demo's reference time (published N days before it, due some
days after publication); a briefing without `published_days_ago` stays a draft."""

BRIEFINGS: list[dict] = [
    {
        "key": "refunds",
        "title": "Fee refunds: new front-line limits from 1 November",
        "status": "published",
        "published_days_ago": 5,
        "due_days": 9,
        "fresh": True,
        "roles": ["agent"],
        "body": """From **1 November** the front line can settle more fee disputes on the spot.

| Fee | Before | From 1 November |
|---|---|---|
| Overdraft fee | up to $25 | **up to $50** |
| Late-payment fee | 1 in 12 months | **2 in 12 months** |
| Duplicate charge | escalate | **refund once confirmed, any amount** |

Why: a third of our *over the authority limit* escalations were for fees under $50. Each one
made the customer wait two days for an answer we could give in two minutes.

Refunds above the new limits still go to **Refunds & exceptions** with the usual summary.
""",
        "questions": [
            (
                "A customer disputes a $40 overdraft fee, their first this year. What do you do?",
                "Overdraft fees up to $50 are now within front-line authority.",
                [("Refund it yourself", True), ("Escalate to Refunds & exceptions", False)],
            ),
            (
                "From when do the new limits apply?",
                "The new limits apply from 1 November.",
                [("1 October", False), ("1 November", True), ("1 December", False)],
            ),
            (
                "A duplicate card charge of $380 is confirmed. Who refunds it?",
                "Confirmed duplicate charges are refunded by the front line at any amount.",
                [
                    ("You, on the spot", True),
                    ("Refunds & exceptions", False),
                    ("The merchant", False),
                ],
            ),
        ],
    },
    {
        "key": "identity",
        "title": "Two-step identity verification is now mandatory",
        "status": "published",
        "published_days_ago": 48,
        "due_days": 14,
        "roles": ["agent"],
        "qa_criterion": "Verified the customer's identity",
        "body": """Every contact about an account now needs **two steps** before any detail is shared:

1. **Something they know** — two of: date of birth, postcode, last payment amount.
2. **Something they have** — a one-time code to the verified mobile or e-mail.

A contact from a **verified contact point** (green *Verified* badge on the desktop) counts as step 2.

QA checks this on every evaluation from today; missing it is an **auto-fail**. Adoption of the
QA criterion *"Verified the customer's identity before discussing the account"* is tracked on
this briefing's report.
""",
        "questions": [
            (
                "The call comes from a verified contact point. What do you still ask?",
                "A verified contact point stands in for step 2; step 1 is still needed.",
                [
                    ("Nothing", False),
                    ("Two 'something they know' questions", True),
                    ("A one-time code", False),
                ],
            ),
            (
                "What happens in QA if identity is not verified?",
                "It is the form's auto-fail item: the evaluation scores 0.",
                [("The evaluation scores 0", True), ("Five points are deducted", False)],
            ),
            (
                "Which of these is a 'something they have' check?",
                "A one-time code sent to the verified mobile or e-mail is something they have.",
                [
                    ("Date of birth", False),
                    ("A one-time code to the verified mobile", True),
                    ("Postcode", False),
                ],
            ),
        ],
    },
    {
        "key": "outage",
        "title": "Mobile app login problems: what to tell customers",
        "status": "published",
        "published_days_ago": 12,
        "due_days": 1,
        "teams": ["Northside", "Riverside", "Technical specialists"],
        "body": """Since this morning some customers on **app version 7.2** cannot log in
("Something went wrong, code 4012").

**What to say:** "We know about it and a fix is on its way today. Online banking in the browser
works normally in the meantime."

**Don't** reset their password — it does not help and locks the account for 24 hours.

Log these contacts as *Technical support* with the tag **app-4012**, so we can tell each
customer when the fix is out.
""",
    },
    {
        "key": "complaints",
        "title": "Complaints: the final response is now due within 8 weeks",
        "status": "published",
        "published_days_ago": 27,
        "due_days": 14,
        "roles": ["agent", "supervisor"],
        "body": """The regulator's rule applies to every complaint, whatever the channel:

- **Any expression of dissatisfaction** about us is a complaint — even one you settle on the call.
- Log it with the **Complaint** contact type.
- Not settled by the end of the next working day? Send the **acknowledgement letter**.
- The **final response** is due within **8 weeks**; Customer relations owns it.

Supervisors: the complaints dashboard now shows each team's open complaints by age.
""",
        "questions": [
            (
                "A customer complains and you settle it on the call. Do you log a complaint?",
                "Any expression of dissatisfaction is a complaint, even when settled at once.",
                [("Yes, with the Complaint contact type", True), ("No, it was settled", False)],
            ),
            (
                "When must the final response be sent?",
                "Within 8 weeks of receiving the complaint.",
                [
                    ("Within 5 working days", False),
                    ("Within 8 weeks", True),
                    ("Within 6 months", False),
                ],
            ),
            (
                "When does the acknowledgement letter go out?",
                "When the complaint is not settled by the end of the next working day.",
                [
                    ("Always, straight away", False),
                    ("When it is not settled by the end of the next working day", True),
                    ("Only when the customer asks", False),
                ],
            ),
        ],
    },
    {
        "key": "holidays",
        "title": "Thanksgiving opening hours",
        "status": "draft",
        "due_days": 19,
        "roles": ["agent", "supervisor"],
        "requires_ack": False,
        "body": """We are **closed on Thursday 26 November** (Thanksgiving). Priority service stays
open around the clock.

On Friday 27 November we open **9:00–17:00**. The IVR message changes automatically.
""",
    },
    {
        "key": "summer",
        "title": "Summer promotion: double points on the Rewards Card",
        "status": "archived",
        "published_days_ago": 150,
        "archived_days_ago": 60,
        "due_days": 7,
        "roles": ["agent"],
        "body": """From **1 June to 31 August** Rewards Card holders earn **double points** on travel
and dining. No sign-up needed; the points post when the payment settles.

Mention it when a Rewards Card holder asks about travel, and offer the card to Classic Card
holders who travel often.
""",
    },
]

# Feature-feedback polls. Questions: (kind, text, options, required).
POLLS: list[dict] = [
    {
        "key": "timeline",
        "title": "A grouped case timeline",
        "enhancement_request": "ENH-142",
        "status": "closed",
        "opened_days_ago": 61,
        "closes_after_days": 20,
        "answer_share": 0.72,
        "roles": ["agent", "supervisor"],
        "description": """We plan to **group the case timeline** by contact: each call, e-mail or chat
becomes one block with its notes and status changes inside, newest first, collapsed after
the third. Today every event is its own line.

Would that help you find what happened on a case faster?""",
        "questions": [
            ("rating", "How useful would the grouped timeline be for you?", [], True),
            (
                "choice",
                "What should the timeline show first when you open a case?",
                ["The latest contact", "Open tasks and promises", "The customer's own words"],
                True,
            ),
            ("text", "Anything we should change before we build it?", [], False),
        ],
    },
    {
        "key": "wrapup",
        "title": "One-click wrap-up codes",
        "enhancement_request": "ENH-157",
        "status": "open",
        "opened_days_ago": 10,
        "answer_share": 0.45,
        "roles": ["agent"],
        "description": """At wrap-up you pick an outcome and a contact type from two lists. We want to
**suggest both** from what was said and let you confirm them with **one click** (or change them).""",
        "questions": [
            ("rating", "How much would one-click wrap-up help you?", [], True),
            (
                "choice",
                "Which would you trust the suggestion for?",
                ["Both outcome and contact type", "Contact type only", "Neither, I'd rather pick"],
                True,
            ),
            ("text", "What worries you about it, if anything?", [], False),
        ],
    },
    {
        "key": "sidebar",
        "title": "A customer-history sidebar on the desktop",
        "enhancement_request": "ENH-163",
        "status": "draft",
        "roles": ["agent", "supervisor"],
        "description": """A narrow sidebar on the desktop with the customer's last five contacts and
open cases, always visible during a contact.""",
        "questions": [
            ("rating", "How useful would the sidebar be?", [], True),
            ("text", "What would you want to see in it?", [], False),
        ],
    },
]

# Free-text answers people gave, by poll key.
POLL_COMMENTS = {
    "timeline": [
        "Please keep a way to see every event in order — QA needs it.",
        "Collapsing after three is too few for long complaints.",
        "Yes! I scroll past twenty status changes to find the last call.",
        "Show who promised what, and by when, at the top.",
        "Make the customer's words stand out from our notes.",
        "Would love a filter for just e-mails.",
    ],
    "wrapup": [
        "Only if it is right most of the time, otherwise it slows me down.",
        "Worried QA will blame us for a wrong suggestion we clicked.",
        "Great for billing calls, they are all the same.",
        "Let me see why it suggested that code.",
        "Please keep the keyboard shortcut for the lists.",
    ],
}
