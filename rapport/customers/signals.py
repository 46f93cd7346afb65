"""Signals other apps listen to; customers imports none of them (they sit above it)."""

from django.dispatch import Signal

# Sent inside customer_erase's transaction with `customer_id`: apps above customers that keep
# copies of a person's details (duplicate pairs, merge records) scrub theirs.
customer_erased = Signal()
