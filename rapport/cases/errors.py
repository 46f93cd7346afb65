"""Messages for what a person may try and we refuse."""

NOT_YOURS = "Only the case's assignee, its queue's team or that team's supervisor may work it."
SAME_QUEUE = "The case is already in that queue; choose another tier or team."
NEEDS_SUMMARY = "Say what the customer needs and what was tried, so nobody asks them again."
NO_EMAIL = "This case has no customer e-mail address to reply to."
