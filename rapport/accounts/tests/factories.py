import factory
from django.contrib.auth.models import Group

from rapport.accounts.models import Skill, Team, User

PASSWORD = "correct horse battery"


class TeamFactory(factory.django.DjangoModelFactory[Team]):
    class Meta:
        model = Team

    name = factory.Sequence(lambda n: f"Team {n}")


class UserFactory(factory.django.DjangoModelFactory[User]):
    """A user; pass roles=["agent", ...] to place them in role groups."""

    class Meta:
        model = User
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@example.com")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def roles(self, create, extracted, **kwargs):
        if extracted:
            self.groups.set([Group.objects.get_or_create(name=role)[0] for role in extracted])
            if "admin" in extracted:
                self.is_staff = self.is_superuser = True
        self.save()


class SkillFactory(factory.django.DjangoModelFactory[Skill]):
    class Meta:
        model = Skill

    name = factory.Sequence(lambda n: f"Skill {n}")
