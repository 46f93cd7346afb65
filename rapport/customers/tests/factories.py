import datetime

import factory

from rapport.customers.models import (
    Consent,
    ContactPoint,
    Customer,
    Holding,
    Household,
    Note,
    Product,
)
from rapport.customers.normalise import name_key


class HouseholdFactory(factory.django.DjangoModelFactory[Household]):
    class Meta:
        model = Household

    name = factory.Sequence(lambda n: f"Household {n}")
    address_line1 = factory.Faker("street_address")
    postal_code = factory.Faker("postcode")
    city = factory.Faker("city")


class CustomerFactory(factory.django.DjangoModelFactory[Customer]):
    """A person with name keys filled as services would (use services in tests of behaviour)."""

    class Meta:
        model = Customer

    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    status = "customer"
    name_key = factory.LazyAttribute(lambda c: name_key(c.first_name, c.last_name))
    surname_key = factory.LazyAttribute(lambda c: name_key(c.last_name, c.first_name))


class ContactPointFactory(factory.django.DjangoModelFactory[ContactPoint]):
    class Meta:
        model = ContactPoint

    customer = factory.SubFactory(CustomerFactory)
    kind = "email"
    value = factory.Sequence(lambda n: f"Person{n}@Example.com")
    normalised = factory.LazyAttribute(lambda p: p.value.lower())


class ProductFactory(factory.django.DjangoModelFactory[Product]):
    class Meta:
        model = Product

    code = factory.Sequence(lambda n: f"product-{n}")
    name = factory.Sequence(lambda n: f"Product {n}")
    category = "account"


class HoldingFactory(factory.django.DjangoModelFactory[Holding]):
    class Meta:
        model = Holding

    customer = factory.SubFactory(CustomerFactory)
    product = factory.SubFactory(ProductFactory)
    since = datetime.date(2024, 1, 15)
    value = 120


class ConsentFactory(factory.django.DjangoModelFactory[Consent]):
    class Meta:
        model = Consent

    customer = factory.SubFactory(CustomerFactory)
    channel = "email"
    purpose = "marketing"
    granted = True
    source = "web form"
    recorded_at = factory.Faker("date_time_this_year", tzinfo=datetime.UTC)


class NoteFactory(factory.django.DjangoModelFactory[Note]):
    class Meta:
        model = Note

    customer = factory.SubFactory(CustomerFactory)
    body = factory.Faker("sentence")


# Valid US numbers (555-01xx is reserved for fiction) in E.164; PhoneFactory hands them out in turn.
# Area codes no test writes by hand, so a generated number never takes one a test means to add.
VALID_US_NUMBERS = [
    f"+1{area}55501{n:02d}" for area in ("718", "646", "305", "213", "206") for n in range(100)
]


class PhoneFactory(ContactPointFactory):
    """A phone contact point written as '(212) 555-0100', normalised to E.164."""

    kind = "phone"
    normalised = factory.Sequence(lambda n: VALID_US_NUMBERS[n % len(VALID_US_NUMBERS)])
    value = factory.LazyAttribute(
        lambda p: f"({p.normalised[2:5]}) {p.normalised[5:8]}-{p.normalised[8:]}"
    )


class ErasedCustomerFactory(CustomerFactory):
    first_name = "Erased"
    last_name = factory.Sequence(lambda n: f"customer {n}")
    status = "former"
    erased_at = factory.Faker("date_time_this_year", tzinfo=datetime.UTC)
