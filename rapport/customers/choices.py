from django.db import models


class CustomerKind(models.TextChoices):
    PERSON = "person", "Person"
    ORGANISATION = "organisation", "Organisation"


class CustomerStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    CUSTOMER = "customer", "Customer"
    FORMER = "former", "Former customer"


class Segment(models.TextChoices):
    CONSUMER = "consumer", "Consumer"
    SMALL_BUSINESS = "small_business", "Small business"
    CORPORATE = "corporate", "Corporate"
    PUBLIC_SECTOR = "public_sector", "Public sector"


class ValueTier(models.TextChoices):
    STANDARD = "standard", "Standard"
    SILVER = "silver", "Silver"
    GOLD = "gold", "Gold"
    PLATINUM = "platinum", "Platinum"


class ContactKind(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    SOCIAL = "social", "Social handle"
    POSTAL = "postal", "Postal address"


class SocialNetwork(models.TextChoices):
    NONE = "", "—"
    X = "x", "X / Twitter"
    FACEBOOK = "facebook", "Facebook"
    INSTAGRAM = "instagram", "Instagram"
    LINKEDIN = "linkedin", "LinkedIn"
    WHATSAPP = "whatsapp", "WhatsApp"


class HoldingStatus(models.TextChoices):
    PENDING = "pending", "Pending"
    ACTIVE = "active", "Active"
    SUSPENDED = "suspended", "Suspended"
    CANCELLED = "cancelled", "Cancelled"


class ConsentChannel(models.TextChoices):
    EMAIL = "email", "E-mail"
    PHONE = "phone", "Phone"
    SMS = "sms", "SMS"
    POST = "post", "Post"
    SOCIAL = "social", "Social"


class ConsentPurpose(models.TextChoices):
    SERVICE = "service", "Service messages"
    MARKETING = "marketing", "Marketing"
    SURVEYS = "surveys", "Surveys and research"
    PROFILING = "profiling", "Profiling"


class ProductCategory(models.TextChoices):
    ACCOUNT = "account", "Account"
    CARD = "card", "Card"
    LOAN = "loan", "Loan"
    SAVINGS = "savings", "Savings"
    INSURANCE = "insurance", "Insurance"
    SERVICE = "service", "Service plan"


class ExportStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"
