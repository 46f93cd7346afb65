import factory
from django.utils import timezone

from rapport.access.tests.factories import QueueFactory
from rapport.cases.models import Case, EscalationReason
from rapport.customers.tests.factories import CustomerFactory


class CaseFactory(factory.django.DjangoModelFactory[Case]):
    """A case as stored, without routing or clocks; use services.case_open to test those."""

    class Meta:
        model = Case

    customer = factory.SubFactory(CustomerFactory)
    subject = factory.Faker("sentence", nb_words=5)
    channel = "email"
    queue = factory.SubFactory(QueueFactory)
    opened_at = factory.LazyFunction(timezone.now)


class EscalationReasonFactory(factory.django.DjangoModelFactory[EscalationReason]):
    class Meta:
        model = EscalationReason

    code = factory.Sequence(lambda n: f"reason-{n}")
    name = factory.Sequence(lambda n: f"Escalation reason {n}")
