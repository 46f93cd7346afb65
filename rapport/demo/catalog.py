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
