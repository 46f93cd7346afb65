"""What the demo center teaches: learning modules with their checks, the new-hire paths and the
gap rules that map measured gaps to modules. Plain data; `rapport.demo.learning` loads it."""

# Skills the demo's modules teach beyond the product skills catalog.SKILLS already has.
EXTRA_SKILLS = ["Call handling", "Compliance", "Coaching"]

# A question: (text, explanation, [(choice, is correct), ...]).
Question = tuple[str, str, list[tuple[str, bool]]]

MODULES: list[dict] = [
    {
        "key": "fcr",
        "title": "Resolving it the first time",
        "summary": "Find the real reason for the contact, fix it, and check it is fixed before you close.",
        "skill": "Call handling",
        "minutes": 12,
        "body": """## Why first-contact resolution matters

Every repeat contact costs the customer time and costs us a second handle. Most repeats are not
new problems: they are the **same problem, half solved**.

## The four habits

1. **Confirm the reason back.** "So the charge on the 3rd is the one you don't recognise — is
   that right?" Half of all repeats start with a misunderstood reason.
2. **Look one step ahead.** A card replacement also means new card details for direct debits;
   a house move also means a new billing address. Say so now.
3. **Check it worked** while the customer is still with you: refresh the account, resend the
   code, watch the payment go through.
4. **Close with the next step and when it happens.** "The refund shows in 3 to 5 working days.
   If it isn't there by Friday, reply to this e-mail and it comes straight to me."

> A contact is resolved when the customer does not need to come back — not when the call ends.
""",
        "questions": [
            (
                "When does Rapport count a contact as resolved first time?",
                "First-contact resolution looks forward: the same customer did not contact us again "
                "for the same reason within the repeat window (7 days by default), on any channel.",
                [
                    ("When the agent selects 'resolved' at wrap-up", False),
                    (
                        "When the same customer does not contact us again for the same reason within the repeat window",
                        True,
                    ),
                    ("When the call lasts less than the target handle time", False),
                ],
            ),
            (
                "A customer calls about a charge. What do you do first?",
                "Confirming the reason back catches misunderstandings before you work on the wrong problem.",
                [
                    ("Refund the charge straight away", False),
                    ("Confirm back which charge it is and what worries them about it", True),
                    ("Transfer to billing", False),
                ],
            ),
            (
                "A customer is moving house and asks to change their address. What else should you mention?",
                "Looking one step ahead: a move usually touches billing address, cards and home insurance.",
                [
                    ("Nothing — do only what was asked", False),
                    (
                        "That cards, statements and home insurance may need the new address too",
                        True,
                    ),
                    ("That they should call back once they have moved", False),
                ],
            ),
            (
                "Which closing line best prevents a repeat contact?",
                "A clear next step with a time and a way back to you removes the reason to call again.",
                [
                    ('"Is there anything else I can help with?"', False),
                    (
                        '"The refund shows in 3 to 5 working days; if not by Friday, reply and it comes to me."',
                        True,
                    ),
                    ('"It should be fine now."', False),
                ],
            ),
            (
                "A customer contacts us by chat two days after a call about the same fault. What happened to the call?",
                "Channel-hopping counts: a repeat on any channel within the window means the first contact did not resolve it.",
                [
                    ("It still counts as resolved: the chat is a different channel", False),
                    ("It counts as a repeat contact: the issue was not resolved first time", True),
                ],
            ),
        ],
    },
    {
        "key": "aht",
        "title": "Efficient calls without rushing",
        "summary": "Where handle time really goes — hold, searching and wrap-up — and how to cut it without cutting the customer off.",
        "skill": "Call handling",
        "minutes": 10,
        "body": """## Handle time is talk + hold + wrap-up

Rushing the customer is the wrong lever: it creates repeats, and repeats cost more than the
seconds saved. The time usually hides elsewhere.

- **Hold.** Every hold costs a minute once you count the apology and the re-explanation. Keep
  the knowledge base open *before* you need it and search while you talk.
- **Searching.** Use the customer card on the desktop: holdings, recent contacts and open cases
  are already there. Don't ask for what we already know.
- **Wrap-up.** Write the note as you go; at wrap-up only pick the outcome and check it.

## Compare like with like

Calls, chats and e-mails have different handle times. Your phone AHT is compared only with other
calls — never with your chat figure.
""",
        "questions": [
            (
                "What makes up average handle time on a call?",
                "AHT = (talk + hold + after-call work) ÷ handled calls.",
                [
                    ("Talk time only", False),
                    ("Talk, hold and after-call work, divided by handled calls", True),
                    ("The time from the customer dialling until the call ends", False),
                ],
            ),
            (
                "Which is the best way to bring handle time down?",
                "Cutting hold and searching saves time without creating repeat contacts.",
                [
                    ("End calls faster, even if the customer has more questions", False),
                    ("Reduce holds by searching the knowledge base while you talk", True),
                    ("Skip the wrap-up note", False),
                ],
            ),
            (
                "Your chat AHT is 9 minutes and your phone AHT is 6 minutes. What does that say?",
                "AHT is only compared within a channel: chats run in parallel and take longer per contact.",
                [
                    ("You are slower on chat and should speed up", False),
                    ("Nothing by itself: AHT is never compared across channels", True),
                ],
            ),
            (
                "When should you write the contact note?",
                "Writing as you go makes wrap-up short and the note accurate.",
                [
                    ("As you go, so wrap-up is only a check", True),
                    ("After the customer has hung up, from memory", False),
                    ("Only when the case stays open", False),
                ],
            ),
        ],
    },
    {
        "key": "transfers",
        "title": "Right first queue: when to transfer and when not to",
        "summary": "Transfers the customer did not need, and the ones they did — with a warm hand-off.",
        "skill": "Technical support",
        "minutes": 8,
        "body": """## Every transfer is a new wait

A customer who is transferred waits again, repeats their story and is more likely to call back.
Before you transfer, ask: **can I finish this myself with the knowledge base?**

## When a transfer is right

- The fix needs access or authority you don't have (tier 2 tools, refunds above your limit).
- A formal complaint: Customer relations owns the final response.

## A warm hand-off

Tell the customer who they will speak to and why, write a two-line summary in the case, and
stay on the line until the specialist has it. **Never** transfer to "see if someone knows".
""",
        "questions": [
            (
                "A customer can't log in to the app. The knowledge base has a reset guide. What do you do?",
                "If the knowledge base covers it, finishing it yourself avoids a new wait and a repeat.",
                [
                    ("Transfer to Technical tier 2", False),
                    ("Walk them through the reset guide yourself", True),
                    ("Ask them to call back later", False),
                ],
            ),
            (
                "Which of these is a good reason to transfer?",
                "Transfer when the fix needs access or authority the front line does not have.",
                [
                    ("The refund is above the front line's limit", True),
                    ("The call has gone past six minutes", False),
                    ("You are not sure, so someone else might know", False),
                ],
            ),
            (
                "What makes a hand-off 'warm'?",
                "The customer knows who and why, the case has a summary, and you stay until the specialist has it.",
                [
                    ("Transferring quickly so the customer waits less", False),
                    (
                        "Telling the customer who and why, summarising in the case, and staying on until it is picked up",
                        True,
                    ),
                ],
            ),
            (
                "How is the transfer rate counted?",
                "Transfer rate = contacts with any hand-off ÷ handled contacts.",
                [
                    ("Transfers ÷ handled contacts", True),
                    ("Transfers ÷ all calls offered", False),
                    ("Only transfers to another tier", False),
                ],
            ),
        ],
    },
    {
        "key": "identity",
        "title": "Identity verification, every time",
        "summary": "Verify before you discuss the account: the two-step check and the few exceptions.",
        "skill": "Compliance",
        "minutes": 8,
        "pass_mark": 100,
        "body": """## Verify before any account detail

No balance, transaction, address or product detail until the customer is verified — not even to
"confirm" what they tell you. A failed verification is an **auto-fail** in QA.

## The two-step check

1. **Something they know:** two of date of birth, postcode, last payment amount.
2. **Something they have:** a one-time code to the verified mobile or e-mail on file.

If the contact arrived from a **verified contact point** (the desktop shows a green *Verified*
badge), step 2 is already done.

## When it fails

Say what you *can* do: general information, or a call back to the number on file. Never give a
hint ("the postcode starts with…").
""",
        "questions": [
            (
                "When may you tell a caller their balance?",
                "Account details only after verification; QA treats it as an auto-fail otherwise.",
                [
                    ("After they give their name and address", False),
                    (
                        "After both steps of verification (or one if they came from a verified contact point)",
                        True,
                    ),
                    ("If they sound like the account holder", False),
                ],
            ),
            (
                "The desktop shows the call came from a verified contact point. What is left to do?",
                "A verified contact point stands in for 'something they have'; 'something they know' is still asked.",
                [
                    ("Nothing, the customer is verified", False),
                    ("Ask two 'something they know' questions", True),
                    ("Send a one-time code as well", False),
                ],
            ),
            (
                "A caller fails the postcode question and asks for a hint. What do you say?",
                "Hints leak personal data; offer what you can do instead.",
                [
                    ('"It starts with 10."', False),
                    (
                        '"I can\'t give hints, but I can call you back on the number we have on file."',
                        True,
                    ),
                ],
            ),
            (
                "What happens in QA when identity is not verified before account details are given?",
                "Identity verification is the form's auto-fail item: the evaluation scores 0.",
                [
                    ("The criterion is marked not met, the rest still counts", False),
                    ("The evaluation is an auto-fail and scores 0", True),
                ],
            ),
        ],
    },
    {
        "key": "refunds",
        "title": "Billing disputes and fee refunds within your authority",
        "summary": "What the front line can refund on the spot, and how to avoid escalating what you could settle.",
        "skill": "Billing",
        "minutes": 10,
        "body": """## Your refund authority

| What | Front line may refund | Above that |
|---|---|---|
| Late-payment fee | up to 2 in 12 months | Refunds & exceptions |
| Overdraft fee | up to $50 | Refunds & exceptions |
| Duplicate charge | any amount, once confirmed | — |

Most "authority limit" escalations were inside these limits. Check the table before you escalate.

## Settling a dispute

1. Find the charge together, on the customer's statement.
2. Explain what it was, in one sentence without jargon.
3. If it is our error, refund it **now** and say when it shows.
4. If it is right, explain why and offer a way to avoid it (an alert, a payment date change).
""",
        "questions": [
            (
                "A customer was charged twice for the same card payment. What do you do?",
                "Duplicate charges may be refunded by the front line at any amount once confirmed.",
                [
                    ("Escalate to Refunds & exceptions", False),
                    ("Confirm the duplicate and refund it yourself", True),
                    ("Ask the customer to contact the merchant", False),
                ],
            ),
            (
                "A customer asks to refund a $35 overdraft fee, their first this year. Who can do it?",
                "Overdraft fees up to $50 are within front-line authority.",
                [
                    ("You can, on the spot", True),
                    ("Only Refunds & exceptions", False),
                    ("Only the customer's branch", False),
                ],
            ),
            (
                "The charge is correct. What is the best next step?",
                "Explaining and offering a way to avoid it next time keeps the customer and prevents a repeat.",
                [
                    ("Refund it anyway to keep the customer happy", False),
                    ("Explain what it was and offer a way to avoid it next time", True),
                    ("Escalate so a manager can say no", False),
                ],
            ),
            (
                "Why does an unnecessary escalation count against you?",
                "Escalations whose reason is marked preventable count towards the skill that would have avoided them.",
                [
                    ("It doesn't: escalating is always safe", False),
                    (
                        "It is marked preventable and counts towards the billing skill you could have used",
                        True,
                    ),
                ],
            ),
        ],
    },
    {
        "key": "product",
        "title": "Knowing the product: cards and accounts",
        "summary": "The card and account questions the front line escalates most, answered.",
        "skill": "Cards",
        "minutes": 12,
        "body": """## The five questions behind most 'knowledge gap' escalations

1. **Lost or stolen card:** block it now on the desktop (card → *Block*), order a replacement;
   it arrives in 3–5 working days, express in 1.
2. **Rewards Card points:** points post when the payment settles (up to 3 days), not at purchase.
3. **Premium Account travel cover:** included, but only for trips paid with the Premium card.
4. **Everyday vs Premium:** Premium adds travel cover, fee-free foreign payments and a
   $12 monthly fee; switching keeps the account number.
5. **Business Account:** two signatories need both to agree to changes — take the request and
   send the consent form; don't escalate.

Keep the product sheet pinned in the knowledge base; it is updated the day a product changes.
""",
        "questions": [
            (
                "A customer reports their card stolen. What do you do first?",
                "Block first: every minute the card stays live is a risk for the customer.",
                [
                    ("Block the card on the desktop", True),
                    ("Transfer to Technical tier 2", False),
                    ("Ask them to check again at home", False),
                ],
            ),
            (
                "When do Rewards Card points appear?",
                "Points post when the payment settles, which can take up to three days.",
                [
                    ("At the moment of purchase", False),
                    ("When the payment settles, up to 3 days later", True),
                    ("At the end of the month", False),
                ],
            ),
            (
                "Does switching from Everyday to Premium change the account number?",
                "Switching keeps the account number; direct debits carry on.",
                [
                    ("Yes, a new account is opened", False),
                    ("No, the account number stays the same", True),
                ],
            ),
            (
                "A Business Account holder asks to add a user, but the account has two signatories. What do you do?",
                "Take the request and send the consent form; both signatories must agree. No escalation needed.",
                [
                    ("Escalate to Retention & accounts", False),
                    ("Take the request and send the consent form to both signatories", True),
                    ("Add the user straight away", False),
                ],
            ),
            (
                "Is travel cover included with the Premium Account?",
                "Included, but only for trips paid with the Premium card.",
                [
                    ("Yes, for every trip", False),
                    ("Yes, for trips paid with the Premium card", True),
                    ("No, it is sold separately", False),
                ],
            ),
        ],
    },
    {
        "key": "complaints",
        "title": "Handling complaints with empathy",
        "summary": "Acknowledge the feeling, own the fix, and log a complaint the way the regulator expects.",
        "skill": "Complaints",
        "minutes": 15,
        "body": """## Acknowledge before you solve

An upset customer can't hear the solution until they feel heard. Name the feeling or the impact
*in your own words*: "Being charged twice the week your rent is due — that's stressful."

## Own it

Say what **you** will do and when, then do it. "I'll refund this now and e-mail you the
confirmation in the next ten minutes." No "they" and no "the system".

## Is it a complaint?

Any expression of dissatisfaction about us is a complaint, even if it is solved on the spot.
Log it with the *Complaint* contact type. If you can't settle it by the end of the next working
day, send the acknowledgement letter: the **final response is due within 8 weeks**.
""",
        "questions": [
            (
                "Which response best acknowledges the customer's feelings?",
                "Naming the impact in your own words shows you heard them; scripts and policy do not.",
                [
                    ('"I apologise for any inconvenience caused."', False),
                    ('"Being charged twice the week your rent is due — that\'s stressful."', True),
                    ('"Our policy is to refund within 5 days."', False),
                ],
            ),
            (
                "A customer complains about a fee and you refund it during the call. Is it still a complaint?",
                "Any expression of dissatisfaction about us is a complaint, even if resolved on the spot.",
                [
                    ("No, it was resolved", False),
                    ("Yes — log it with the Complaint contact type", True),
                ],
            ),
            (
                "When is the final response to a complaint due?",
                "Within 8 weeks of receiving it; an acknowledgement goes out if it is not settled by the next working day.",
                [
                    ("Within 8 weeks", True),
                    ("Within 30 days", False),
                    ("There is no deadline", False),
                ],
            ),
            (
                "Which phrase shows ownership?",
                "Ownership: you say what you will do and when.",
                [
                    ('"The system must have done that."', False),
                    ('"They should call you back."', False),
                    (
                        '"I\'ll refund this now and e-mail you the confirmation within ten minutes."',
                        True,
                    ),
                ],
            ),
        ],
    },
    {
        "key": "coaching",
        "title": "Coaching from the scorecard",
        "summary": "Turn an agent's scorecard and QA into one agreed goal and a check-in rhythm.",
        "skill": "Coaching",
        "minutes": 15,
        "body": """## One thing at a time

A scorecard shows many numbers; pick **one** that is below target with enough data (the
interval, not just the point, on the wrong side), and agree a goal on it.

## Evidence, not impressions

Open two or three QA evaluations and contacts that show the gap. Listen together. Ask the agent
what they notice before you say what you notice.

## Check in

Every two weeks, look at the figure with its sample size. A change within the interval is not
yet a change — say so, and keep going.
""",
        "questions": [
            (
                "An agent's FCR is 72 % (n = 18) against a 75 % target. Do you make it their goal?",
                "With 18 contacts the interval is wide: there is not enough data to call it a gap.",
                [
                    ("Yes, it is below target", False),
                    ("Not yet: the sample is too small to call it a gap", True),
                ],
            ),
            (
                "What opens a good coaching conversation?",
                "Asking the agent what they notice builds ownership of the change.",
                [
                    ("Telling the agent their three lowest KPIs", False),
                    ("Listening to a contact together and asking what they notice", True),
                ],
            ),
            (
                "How many goals should an agent work on at once?",
                "One agreed goal keeps the focus and makes progress measurable.",
                [
                    ("One", True),
                    ("One per KPI below target", False),
                    ("As many as the scorecard shows", False),
                ],
            ),
            (
                "At a check-in the figure moved from 70 % to 72 %, inside its interval. What do you say?",
                "A change inside the interval is not yet a change; keep going and look again.",
                [
                    ('"Great, the goal is working."', False),
                    (
                        '"Not a clear change yet — let\'s keep going and look again in two weeks."',
                        True,
                    ),
                ],
            ),
        ],
    },
]

# name, role, description, [(module key, due after days)]
PATHS = [
    (
        "New agent: first month",
        "agent",
        "What every new agent takes in their first month on the floor.",
        [("identity", 7), ("fcr", 14), ("refunds", 21), ("complaints", 28)],
    ),
    (
        "New supervisor: first six weeks",
        "supervisor",
        "For supervisors new to the center: the floor's basics, then coaching.",
        [("identity", 7), ("complaints", 21), ("coaching", 42)],
    ),
]

# name, source, measure (KPI key / QA criterion text prefix / escalation reason code or ""),
# threshold (None = the KPI's target), window days, min n, module key, mode
GAP_RULES = [
    ("First-contact resolution below target", "kpi", "fcr", None, 28, 60, "fcr", "auto"),
    ("Phone handle time over 10 minutes", "kpi", "aht_phone", "600", 28, 60, "aht", "confirm"),
    ("Transfer rate above 5.5 %", "kpi", "transfer_rate", "5.5", 28, 60, "transfers", "confirm"),
    ("Identity not verified in QA", "qa_criterion", "Verified the customer's identity", "95", 120, 4, "identity", "auto"),
    ("Empathy missed in QA", "qa_criterion", "Acknowledged the customer's feelings", "60", 120, 4, "complaints", "confirm"),
    ("Escalations over the refund limit", "preventable", "authority-limit", "0.4", 56, 60, "refunds", "auto"),
    ("Product-knowledge escalations", "preventable", "knowledge-gap", "0.6", 56, 60, "product", "confirm"),
]  # fmt: skip
