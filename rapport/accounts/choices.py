from django.db import models


class AgentState(models.TextChoices):
    AVAILABLE = "available", "Available"
    ON_CONTACT = "on_contact", "On contact"
    WRAP_UP = "wrap_up", "Wrap-up"
    IDLE = "idle", "Idle"
    BREAK = "break", "Break"
    OFFLINE = "offline", "Offline"


class ScheduledActivity(models.TextChoices):
    """What a workforce-management schedule plans for a block of an agent's time."""

    WORK = "work", "Open for contacts"
    BREAK = "break", "Break"
    LUNCH = "lunch", "Lunch"
    TRAINING = "training", "Training"
    MEETING = "meeting", "Meeting"
    OFF = "off", "Off"


class SkillLevel(models.IntegerChoices):
    LEARNING = 1, "Learning"
    COMPETENT = 2, "Competent"
    EXPERT = 3, "Expert"
