from django.db import models


class Channel(models.TextChoices):
    PHONE = "phone", "Phone"
    EMAIL = "email", "E-mail"
    CHAT = "chat", "Chat"
    SMS = "sms", "SMS"
    SOCIAL = "social", "Social message"
    WEB = "web", "Web self-service"
    IN_PERSON = "in_person", "In person"


# Real-time contacts are handled as they arrive and measured by service level; the rest are
# deferred and measured by response time (see GLOSSARY.md).
REAL_TIME_CHANNELS = frozenset({Channel.PHONE, Channel.CHAT, Channel.IN_PERSON})


class Weekday(models.IntegerChoices):
    MONDAY = 0, "Monday"
    TUESDAY = 1, "Tuesday"
    WEDNESDAY = 2, "Wednesday"
    THURSDAY = 3, "Thursday"
    FRIDAY = 4, "Friday"
    SATURDAY = 5, "Saturday"
    SUNDAY = 6, "Sunday"


class Priority(models.TextChoices):
    LOW = "low", "Low"
    NORMAL = "normal", "Normal"
    HIGH = "high", "High"
    URGENT = "urgent", "Urgent"


PRIORITY_RANK = {Priority.LOW: 0, Priority.NORMAL: 1, Priority.HIGH: 2, Priority.URGENT: 3}
