import factory

from rapport.customers.tests.factories import CustomerFactory
from rapport.identity.choices import FoundBy, PairStatus
from rapport.identity.models import MatchPair, MatchRun


class MatchRunFactory(factory.django.DjangoModelFactory[MatchRun]):
    class Meta:
        model = MatchRun

    engine = FoundBy.SCORING
    state = "done"


class MatchPairFactory(factory.django.DjangoModelFactory[MatchPair]):
    """A pair as a run stores it; left and right are put in id order whatever is passed."""

    class Meta:
        model = MatchPair

    left = factory.SubFactory(CustomerFactory)
    right = factory.SubFactory(CustomerFactory)
    score = 0.9
    explanation = factory.LazyFunction(
        lambda: [
            {"field": "prior", "left": "", "right": "", "level": "", "points": -16.6},
            {"field": "last_name", "left": "x", "right": "x", "level": "exact", "points": 8.2},
        ]
    )
    found_by = FoundBy.SCORING
    status = PairStatus.OPEN

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        left, right = kwargs["left"], kwargs["right"]
        if left.pk > right.pk:
            kwargs["left"], kwargs["right"] = right, left
        return super()._create(model_class, *args, **kwargs)
