import factory
from django.utils import timezone

from rapport.customers.tests.factories import CustomerFactory
from rapport.interactions.models import Interaction, Message


class InteractionFactory(factory.django.DjangoModelFactory[Interaction]):
    class Meta:
        model = Interaction

    customer = factory.SubFactory(CustomerFactory)
    channel = "phone"
    direction = "inbound"
    started_at = factory.LazyFunction(timezone.now)
    summary = factory.Faker("sentence")


class MessageFactory(factory.django.DjangoModelFactory[Message]):
    class Meta:
        model = Message

    interaction = factory.SubFactory(InteractionFactory)
    side = "customer"
    body_text = factory.Faker("paragraph")
    sent_at = factory.LazyFunction(timezone.now)
