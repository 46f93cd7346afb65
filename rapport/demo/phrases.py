"""What the demo's customers and agents say, as templates. The customer's words and ours are kept
apart (they become messages on different sides), so analysis of what customers say reads only
theirs.

Placeholders: {product} {amount} {day} {first} (the customer's first name) {agent} (the agent's
first name) {ref} (the case reference, e.g. C-123), and the reason in a few words as the
customer says it ({topic}: "my bill"), as we say it to them ({your_topic}: "your bill") and as
we note it ({their_topic}: "their bill").
"""

# The reason in a few words; {my} becomes my, your or their.
TOPIC = {
    "billing-question": "{my} bill",
    "fault-report": "the fault with {my} {product}",
    "cancel-request": "cancelling {my} {product}",
    "change-of-plan": "changing {my} {product}",
    "moving-house": "{my} move",
    "new-order": "the {product}",
    "complaint": "{my} complaint",
    "technical-support": "the problem with the app",
    "payment-arrangement": "{my} payment",
    "general-enquiry": "{my} question",
    "lost-card": "{my} card",
}

# What a customer says or writes first, by reason.
OPENING = {
    "billing-question": [
        "Hi, my last bill is ${amount} higher than usual and I don't understand why.",
        "There's a charge of ${amount} on my statement for {product} that I don't recognise.",
        "Can you explain the fees on my {product}? The statement from {day} makes no sense to me.",
        "I was charged twice this month, ${amount} each time. Please check.",
        "Why am I paying ${amount} for {product}? I was told it would be free for a year.",
        "Hello, could you send me an itemised bill for last month?",
    ],
    "fault-report": [
        "My {product} stopped working on {day} and nothing I try fixes it.",
        "Nothing works since this morning, I can't use my {product} at all.",
        "The {product} keeps failing, third time this week. I rely on it for work.",
        "Hi, I want to report a fault: {product} has been down since {day}.",
        "It's not working again!! I need this fixed today please.",
    ],
    "cancel-request": [
        "I'd like to cancel my {product}, please.",
        "I want to close my {product}. I found a better deal elsewhere.",
        "Please cancel {product} from the end of the month. It's too expensive for me now.",
        "I'm moving to another provider and need to cancel {product}. What do I have to do?",
        "Honestly I'm done. Cancel my {product}.",
    ],
    "change-of-plan": [
        "I'd like to upgrade my {product}. What are my options?",
        "Can I switch to a cheaper plan for {product}? I don't use half of it.",
        "I want to change the limit on my {product}.",
        "Is it possible to move my {product} to the plan I saw on your website for ${amount}?",
    ],
    "moving-house": [
        "We're moving on {day}. How do I change my address?",
        "I've moved and need my {product} at the new address.",
        "Hi, we're moving house next month. What happens to my {product}?",
        "Please update my address, I moved last week and letters still go to the old one.",
    ],
    "new-order": [
        "Hi, I'm interested in your {product}. How do I sign up?",
        "What does the {product} cost per month, and is there a contract?",
        "I'd like to order a {product} for my daughter.",
        "Can I add {product} to my account? I saw an offer for ${amount}.",
    ],
    "complaint": [
        "I want to make a complaint. I've been waiting for a callback since {day} and nobody called.",
        "This is the third time I'm contacting you about the same thing. It's unacceptable.",
        "I was promised a refund of ${amount} and it never arrived. I'm really disappointed.",
        "Your agent hung up on me yesterday. I'd like this looked into.",
        "I am very unhappy with how my {product} was handled. Nobody takes responsibility.",
        "Terrible service. I was charged ${amount} after I cancelled and nobody will fix it.",
    ],
    "technical-support": [
        "The app logs me out every time I try to make a payment.",
        "I can't log in to online banking since the update on {day}.",
        "How do I set up the {product} on my new phone?",
        "The website shows an error when I try to download my statement.",
        "My verification codes never arrive. Can you help?",
    ],
    "payment-arrangement": [
        "I can't pay the full ${amount} this month. Can I pay in instalments?",
        "I lost my job and I'm worried about my {product} payments. What can I do?",
        "Could I move my payment date to the 15th? I get paid later now.",
        "I missed a payment on {day}. Will there be a fee?",
    ],
    "general-enquiry": [
        "What are your opening hours on Saturday?",
        "I need a letter confirming my {product} for my landlord.",
        "How do I add my partner to the account?",
        "Where can I find my statements from last year?",
        "Quick question: is my {product} covered when I travel abroad?",
    ],
    "lost-card": [
        "I've lost my card. Please block it right away.",
        "My wallet was stolen this morning with my card in it.",
        "I can't find my card anywhere since {day}. Can you send a new one?",
        "I think someone used my card, there's a payment of ${amount} I didn't make.",
    ],
}

# E-mail and contact-form subjects, by reason.
SUBJECTS = {
    "billing-question": [
        "Question about my bill",
        "Unexpected charge",
        "Statement query",
        "Double charge?",
    ],
    "fault-report": [
        "Fault report",
        "Not working since {day}",
        "Service down again",
        "{product} fault",
    ],
    "cancel-request": ["Cancellation", "Please cancel my {product}", "Closing my account"],
    "change-of-plan": ["Change of plan", "Upgrade {product}", "Cheaper plan?"],
    "moving-house": ["Change of address", "Moving house", "New address from {day}"],
    "new-order": ["New order", "Interested in {product}", "How do I sign up?"],
    "complaint": ["Complaint", "Formal complaint", "Still no answer", "Very disappointed"],
    "technical-support": ["Login problem", "App error", "Can't download my statement"],
    "payment-arrangement": ["Payment arrangement", "Instalments", "Late payment"],
    "general-enquiry": ["Question", "Letter needed", "Quick question"],
    "lost-card": ["Lost card", "Card stolen", "Block my card"],
}

# What a customer says when they come back about the same thing.
FOLLOW_UP = [
    "I'm contacting you again about {topic}. Nothing has changed.",
    "Following up on {topic} — any news?",
    "Hi, it's me again about {topic}. You said someone would get back to me.",
    "I called on {day} about {topic} and I'm still waiting.",
    "Sorry to bother you again, but {topic} still isn't sorted.",
    "Still waiting on {topic}. This is taking far too long.",
    "I sent an e-mail about {topic} and nobody answered, so I'm trying this way.",
]
# The customer's last words in a written conversation.
THANKS = [
    "Thank you so much, {agent}, that was really helpful!",
    "Great, thanks for sorting that out so quickly.",
    "Perfect, you've been very kind. Thanks!",
    "Brilliant, thank you. Best service I've had in ages.",
]
CLOSING = [
    "OK, thanks.",
    "Fine. I'll wait then.",
    "Alright, I'll keep an eye out for it.",
    "Got it.",
    "Hmm, OK. Let's see if that works.",
]

# Our answers, by how the contact ended.
REPLY = {
    "resolved": [
        "Hi {first}, I've sorted out {your_topic} for you. Let me know if anything else comes up.",
        "Thanks for your patience, {first}: {your_topic} is sorted now.",
        "All done, {first}: I've taken care of {your_topic} and sent you a confirmation.",
        "I've checked {your_topic} and put it right. Sorry for the trouble, {first}.",
    ],
    "information": [
        "Hi {first}, thanks for asking. Here is what you need to know about {your_topic}.",
        "Good question, {first}. I've put the details about {your_topic} in this message.",
        "You can find everything about {your_topic} in your online account under Documents.",
    ],
    "sale": [
        "Welcome aboard, {first}! Your {product} is ordered; you'll get a confirmation shortly.",
        "I've set up the {product} for you, {first}. The first bill will show ${amount}.",
    ],
    "follow_up": [
        "Thanks, {first}. I'm looking into {your_topic} and will get back to you by {day}.",
        "I've passed {your_topic} to the right people and will update you by {day}.",
        "Could you send me a photo or a screenshot? Then I can move {your_topic} forward.",
        "I need to check a few things about {your_topic}. I'll be in touch by {day}.",
    ],
    "escalated": [
        "I've handed {your_topic} to our specialists with all the details; they will contact you by {day}.",
        "I'm sorry this is taking so long, {first}. A senior colleague will call you about {your_topic} by {day}.",
    ],
    "transferred": [
        "I'm putting you through to the team who can help with {your_topic}.",
    ],
}

# Notes an agent keeps on a call (never sent), by how it ended.
CALL_NOTE = {
    "resolved": [
        "Caller asked about {their_topic}. Explained and fixed on the call.",
        "Sorted {their_topic}; customer happy with the outcome.",
        "Verified ID. Resolved {their_topic}, no further action.",
        "Fixed {their_topic}, confirmation sent by e-mail.",
    ],
    "information": [
        "Gave information about {their_topic}; sent the link to the help page.",
        "Customer only wanted details about {their_topic}. Answered.",
    ],
    "sale": [
        "Customer ordered {product} (${amount}/yr). Welcome pack sent.",
        "Upgraded to {product}; customer accepted the offer.",
    ],
    "follow_up": [
        "Could not finish {their_topic} on the call; promised an update by {day}.",
        "Waiting on information from the customer about {their_topic}.",
        "Raised a ticket for {their_topic}; follow-up by {day}.",
    ],
    "escalated": [
        "Escalated {their_topic}: beyond what I can do at tier 1.",
        "Customer very upset about {their_topic}; escalated with a summary.",
    ],
    "transferred": ["Transferred the caller; {their_topic} belongs to another team."],
    "no_answer": ["Called back about {their_topic}, no answer. Left a voicemail."],
    "abandoned": ["Caller hung up in the queue."],
}

# What a specialist says when they take over after an escalation.
CALLBACK_NOTE = [
    "Called back about {their_topic} as promised ({ref}). Went through the options with the customer.",
    "Took over {ref} from the front line; reviewed the history and called the customer.",
    "Specialist call-back on {ref}: agreed the next steps on {their_topic}.",
]
CALLBACK_EMAIL = [
    "Dear {first}, I'm {agent} from our specialist team and I'm now looking after {your_topic} ({ref}). "
    "I've read everything you told my colleague, so you won't need to repeat it.",
    "Hello {first}, {agent} here. I've taken over {ref} and will keep you updated on {your_topic} "
    "until it is resolved.",
]

# The hand-off summary the receiving tier reads first, by escalation reason.
ESCALATION_NEEDS = {
    "technical-expertise": [
        "Customer needs {their_topic} fixed; line tests show a fault beyond the standard checks.",
        "Needs an engineer's diagnosis of {their_topic}; the fault returns after every reset.",
    ],
    "authority-limit": [
        "Customer wants a refund of ${amount} for {their_topic}, above my limit.",
        "Asks us to waive ${amount} in fees; over the front-line credit limit.",
    ],
    "complaint": [
        "Customer wants a formal complaint logged about {their_topic} and a written answer.",
        "Wants an apology and compensation for {their_topic}.",
    ],
    "manager-requested": [
        "Customer asked to speak to a manager about {their_topic}.",
        "Insists on a manager; unhappy with the answers about {their_topic}.",
    ],
    "policy-exception": [
        "Customer asks for an exception to the terms on {their_topic} (hardship).",
        "Needs an exception to the notice period for {their_topic}.",
    ],
    "wrong-queue": [
        "Came in to the wrong team; customer needs help with {their_topic}.",
        "Routed here by mistake; {their_topic} belongs to another queue.",
    ],
    "knowledge-gap": [
        "Customer asks how {product} works with {their_topic}; I could not find the answer.",
        "Question about {their_topic} that the knowledge base does not cover.",
    ],
}
ESCALATION_TRIED = {
    "technical-expertise": [
        "Reset, line test and remote check; all passed but the fault continues.",
        "Walked the customer through the troubleshooting guide twice.",
    ],
    "authority-limit": [
        "Explained the charges and offered the ${amount} goodwill credit I'm allowed.",
        "Checked the account; the charge is correct by the terms but the customer disputes it.",
    ],
    "complaint": [
        "Apologised, explained what happened and offered a goodwill gesture; customer declined.",
        "Listened and reviewed the history; the previous promises were not kept.",
    ],
    "manager-requested": [
        "Explained the policy and the options twice; customer still wants a manager.",
        "Offered a call-back from my team lead; customer wants someone senior.",
    ],
    "policy-exception": [
        "Checked the standard terms; no option in them fits the customer's situation.",
        "Offered the usual payment plan; customer cannot afford it.",
    ],
    "wrong-queue": [
        "Took the details and checked the account.",
        "Confirmed identity and the reason for contact.",
    ],
    "knowledge-gap": [
        "Searched the knowledge base and asked a colleague; no answer found.",
        "Checked the product sheet; it does not cover this case.",
    ],
}
ESCALATION_PROMISED = [
    "A specialist will call by {day}.",
    "A call-back within one business day.",
    "A written answer by {day}.",
    "Promised an update by e-mail by {day}.",
    "",
]

# An e-mail an agent sends after a call or chat, confirming what was agreed.
CONFIRMATION = [
    "Hi {first}, as promised on the phone: here is a summary of what we agreed about {your_topic}. "
    "I'll be in touch by {day}. Kind regards, {agent}",
    "Dear {first}, thank you for your time today. I'm following up on {your_topic} and will update "
    "you by {day}. Best wishes, {agent}",
    "Hello {first}, just confirming our conversation about {your_topic}. If you have the documents "
    "we discussed, simply reply to this e-mail. {agent}",
]

# What customers write in the survey's free-text box, by how the contact went for them. They name
# no one: a verbatim is shown to readers of conversations, and the agent is known from the contact.
SURVEY_POSITIVE = [
    "Quick and friendly, sorted in one go.",
    "Really helpful, everything was explained clearly.",
    "Problem solved on the first call. Thank you!",
    "Very easy, hardly any waiting.",
    "Great service, I didn't have to repeat myself.",
    "Fast answer and it actually fixed the problem.",
    "Good experience overall, thanks.",
    "Clear answer, no fuss. Exactly what I needed.",
]
SURVEY_COMPLIMENT = [
    "The person I spoke to was patient and knew exactly what to do.",
    "Please thank the agent who helped me, they went above and beyond.",
    "Excellent, the agent really listened and was so kind.",
    "Wonderful service, polite and genuinely caring. Thank you!",
    "The agent was brilliant, friendly and very professional.",
]
SURVEY_EFFORT = [
    "Got there in the end, but I had to explain it three times.",
    "Fine, but it took two calls to sort out.",
    "OK. The website should let me do this myself.",
    "It was resolved, but the wait was long.",
    "Helpful once I got through, but I was transferred twice.",
    "Not bad, though I still had to chase it by e-mail.",
]
SURVEY_NEGATIVE = [
    "Still waiting for the refund I was promised. Very disappointed.",
    "Nobody called me back. Third time I've had to chase this.",
    "I was passed from one team to another and nothing got fixed.",
    "Terrible. The problem is still not solved.",
    "Far too long on hold, and then the call dropped. Awful.",
    "Useless. I'm thinking of cancelling and moving to another provider.",
    "Unacceptable service, I want to make a formal complaint.",
    "If this isn't fixed I will take it to the ombudsman.",
]

# An agent asking for a good score (survey begging): what the gaming checks look for.
SURVEY_BEGGING = [
    "If you get a survey, a 10 would really help me!",
    "You may get a short survey after this chat. Please rate me 10, it means a lot.",
    "Glad I could help! If you receive a survey, please score me high, only a 10 counts for us.",
    "One favour: if you get a survey, give me a 10. Anything less than a 10 counts against me.",
]

# What recovery writes on an alert's timeline when calling the customer back.
RECOVERY_NOTES = [
    "Called the customer back; apologised and went through what went wrong.",
    "Left a voicemail, then reached the customer by SMS and agreed a time to talk.",
    "Spoke to the customer: they mostly wanted someone to own it. Confirmed the next steps in writing.",
    "Checked the account history before calling; the earlier promise was not kept.",
    "Customer was calmer on the call back and accepted the explanation.",
]
CLOSING_NOTES = {
    "saved": [
        "Offered a goodwill credit; the customer is staying.",
        "Fixed the cause and waived the fee; customer decided not to leave.",
    ],
    "resolved": [
        "Issue fixed and confirmed with the customer.",
        "Explained the charge and corrected the bill; customer satisfied.",
        "Put the fix in place and followed up the next day: all working.",
    ],
    "lost": [
        "Customer had already decided to leave; closed their products as asked.",
        "Could not meet what the customer wanted; they are moving to another provider.",
    ],
}
