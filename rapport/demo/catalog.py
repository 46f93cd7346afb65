"""The fixed parts of the demo center: products, teams, skills."""

from decimal import Decimal

PRODUCTS = [
    ("everyday-account", "Everyday Account", "account", Decimal("4.00")),
    ("premium-account", "Premium Account", "account", Decimal("12.00")),
    ("business-account", "Business Account", "account", Decimal("18.00")),
    ("classic-card", "Classic Card", "card", Decimal("0.00")),
    ("rewards-card", "Rewards Card", "card", Decimal("8.00")),
    ("personal-loan", "Personal Loan", "loan", Decimal("0.00")),
    ("home-mortgage", "Home Mortgage", "loan", Decimal("0.00")),
    ("easy-saver", "Easy Saver", "savings", Decimal("0.00")),
    ("fixed-saver", "Fixed-Term Saver", "savings", Decimal("0.00")),
    ("home-insurance", "Home Insurance", "insurance", Decimal("21.00")),
    ("travel-insurance", "Travel Insurance", "insurance", Decimal("6.50")),
    ("phone-plan", "Mobile Phone Plan", "service", Decimal("25.00")),
]

TEAMS = ["Northside", "Harbour", "Riverside", "Summit", "Lakeside"]

SKILLS = [
    "Billing",
    "Cards",
    "Lending",
    "Insurance claims",
    "Retention",
    "Spanish",
    "French",
    "Complaints",
    "Technical support",
    "Business customers",
]

# Area codes whose numbers phonenumbers accepts as valid US numbers.
AREA_CODES = [
    "201",
    "212",
    "213",
    "305",
    "312",
    "404",
    "415",
    "503",
    "512",
    "602",
    "617",
    "646",
    "702",
    "713",
    "718",
    "773",
    "786",
    "818",
    "917",
    "919",
]

LANGUAGES = [("en", 80), ("es", 14), ("fr", 3), ("de", 2), ("pt", 1)]
SEGMENTS = [("consumer", 86), ("small_business", 10), ("corporate", 3), ("public_sector", 1)]
TIERS = [("standard", 62), ("silver", 24), ("gold", 11), ("platinum", 3)]

# The access strategy ----------------------------------------------------------------------------

# Where the center is; the opening hours, the busy hours and the SLA clocks are in its local time.
TIME_ZONE = "America/New_York"

# code, name, description
CONTACT_TYPES = [
    (
        "billing-question",
        "Billing question",
        "A charge, a fee or a statement the customer queries.",
    ),
    ("fault-report", "Fault report", "Something the customer pays for does not work."),
    ("cancel-request", "Cancel request", "The customer wants to end a product or leave us."),
    ("change-of-plan", "Change of plan", "A different plan, tariff, limit or term."),
    ("moving-house", "Moving house", "A new address, or service at a new home."),
    ("new-order", "New order", "Buying something new."),
    ("complaint", "Complaint", "The customer is unhappy with something we did or did not do."),
    ("technical-support", "Technical support", "Help with the app, online banking or a device."),
    ("payment-arrangement", "Payment arrangement", "Paying late, in instalments or another way."),
    ("general-enquiry", "General enquiry", "Anything else: documents, opening hours, how-to."),
    ("lost-card", "Lost or stolen card", "Block a card and send a new one."),
]
# Reasons that mean the customer wants to leave: a save is counted for them.
CHURN_INTENT_TYPES = {"cancel-request"}
# Why customers contact us, in percent; prospects and former customers have their own reasons.
CONTACT_TYPE_MIX = {
    "customer": [
        ("billing-question", 19),
        ("fault-report", 11),
        ("technical-support", 12),
        ("general-enquiry", 12),
        ("change-of-plan", 8),
        ("payment-arrangement", 6),
        ("cancel-request", 6),
        ("moving-house", 5),
        ("new-order", 6),
        ("complaint", 6),
        ("lost-card", 4),
    ],
    "prospect": [("new-order", 60), ("general-enquiry", 40)],
    "former": [
        ("billing-question", 30),
        ("general-enquiry", 30),
        ("complaint", 15),
        ("new-order", 25),
    ],
}

# key: (name, always open); the service calendar's hours are below.
CALENDARS = {
    "service": ("Service hours", False),
    "always": ("Around the clock", True),
}
# weekday (0 = Monday): (opens hour, closes hour)
SERVICE_HOURS = {0: (8, 20), 1: (8, 20), 2: (8, 20), 3: (8, 20), 4: (8, 20), 5: (9, 13)}
HOLIDAYS = [
    ("2026-05-25", "Memorial Day"),
    ("2026-06-19", "Juneteenth"),
    ("2026-07-03", "Independence Day (observed)"),
    ("2026-09-07", "Labor Day"),
    ("2026-11-26", "Thanksgiving"),
    ("2026-12-25", "Christmas Day"),
    ("2027-01-01", "New Year's Day"),
]

# The front-line teams above each own one tier-1 queue; specialists take escalations.
# name: number of agents (the demo login "agent2" is one of the technical specialists)
SPECIALIST_TEAMS = {"Technical specialists": 6, "Retention & accounts": 6, "Customer relations": 4}
# code: (name, team, tier, calendar)
QUEUES = {
    "general": ("General service", "Northside", 1, "service"),
    "billing": ("Billing & payments", "Harbour", 1, "service"),
    "faults": ("Faults & technical help", "Riverside", 1, "service"),
    "priority": ("Priority service", "Summit", 1, "always"),
    "sales": ("Sales & orders", "Lakeside", 1, "service"),
    "technical-t2": ("Technical tier 2", "Technical specialists", 2, "service"),
    "retention": ("Retention", "Retention & accounts", 2, "service"),
    "refunds-t2": ("Refunds & exceptions", "Retention & accounts", 2, "service"),
    "complaints-t3": ("Complaints & executive office", "Customer relations", 3, "service"),
}
# The front-line queue for each reason, when no customer rule applies first.
CONTACT_TYPE_QUEUE = {
    "billing-question": "billing",
    "payment-arrangement": "billing",
    "fault-report": "faults",
    "technical-support": "faults",
    "new-order": "sales",
    "change-of-plan": "sales",
    "cancel-request": "retention",
    "moving-house": "general",
    "complaint": "general",
    "general-enquiry": "general",
    "lost-card": "general",
}
# rank, segment, value tier, contact type, queue, priority; then one rule per reason (rank 100+).
ROUTING_RULES = [
    (10, "", "", "cancel-request", "retention", "normal"),
    (20, "corporate", "", "", "priority", "high"),
    (30, "", "platinum", "", "priority", "high"),
    (40, "", "", "complaint", "general", "high"),
]

# channel, address ("{mail_domain}" is filled in), name, queue
TOUCHPOINTS = [
    ("phone", "+18005550100", "Service line", "general"),
    ("phone", "+18005550150", "Sales line", "sales"),
    ("email", "support@{mail_domain}", "Support mailbox", "general"),
    ("email", "billing@{mail_domain}", "Billing mailbox", "billing"),
    ("chat", "website-chat", "Website chat", "general"),
    ("sms", "+12125550188", "SMS service number", "general"),
    ("social", "@rapportservice", "X @rapportservice", "general"),
    ("social", "facebook.com/rapportservice", "Facebook page", "general"),
    ("web", "contact-form", "Website contact form", "general"),
    ("in_person", "store-downtown", "Downtown store", "general"),
]

# Service objectives in business minutes of their calendar. A service-hours business day is the
# weekday's twelve hours; e-mail is answered within 24 business hours, complaints are resolved
# within 3 business days, everything else within 5.
# channel: (first response, calendar)
CHANNEL_FIRST_RESPONSE = {
    "phone": (2, "service"),
    "chat": (2, "service"),
    "in_person": (10, "service"),
    "sms": (4 * 60, "service"),
    "social": (2 * 60, "service"),
    "email": (24 * 60, "service"),
    "web": (24 * 60, "service"),
}
BUSINESS_DAY_MINUTES = {"service": 12 * 60, "always": 24 * 60}
RESOLUTION_DAYS = 5
RESOLUTION_DAYS_BY_TYPE = {"complaint": 3, "lost-card": 2, "cancel-request": 3}

# code, name, preventable, queue it goes to ("" = the right front-line queue for the reason)
ESCALATION_REASONS = [
    ("technical-expertise", "Needs technical expertise", False, "technical-t2"),
    ("authority-limit", "Over the front line's authority or refund limit", True, "refunds-t2"),
    ("complaint", "Formal complaint", False, "complaints-t3"),
    ("manager-requested", "Customer asked for a manager", False, "complaints-t3"),
    ("policy-exception", "Needs a policy exception", False, "refunds-t2"),
    ("wrong-queue", "Wrong queue", True, ""),
    ("knowledge-gap", "Front line lacked the product knowledge", True, "technical-t2"),
]

# The last six months of contacts ---------------------------------------------------------------

# Share of contacts in percent.
CHANNEL_MIX = [
    ("phone", 55),
    ("email", 20),
    ("chat", 15),
    ("sms", 4),
    ("social", 3),
    ("web", 2),
    ("in_person", 1),
]
# Relative volume by weekday (0 = Monday) and by local hour.
WEEKDAY_VOLUME = [135, 110, 100, 100, 95, 45, 25]
HOUR_VOLUME_LIVE = [1, 1, 1, 1, 1, 2, 4, 6, 8, 11, 12, 11, 8, 9, 10, 9, 8, 7, 6, 4, 3, 2, 2, 1]
HOUR_VOLUME_WRITTEN = [1, 1, 1, 1, 1, 1, 2, 4, 6, 8, 8, 8, 7, 8, 8, 8, 7, 6, 6, 7, 7, 6, 4, 2]
# Days a network fault made fault reports and technical questions pile up.
OUTAGE_DAYS = ["2026-08-18", "2026-10-06"]
