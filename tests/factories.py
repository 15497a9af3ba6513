import datetime as dt

import factory
from django.contrib.auth.models import Group, User

from makerlab.cards import card_number_make
from makerlab.models import Branch, Closure, OpeningHours, Patron


class BranchFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Branch
        django_get_or_create = ("slug",)
        skip_postgeneration_save = True

    name = factory.Sequence(lambda n: f"Branch {n}")
    slug = factory.Sequence(lambda n: f"branch-{n}")
    street_address = "153 Curtis Street"
    city = "St. Thomas"
    postal_code = "N5P 3Z7"
    phone = "519-555-0142"

    @factory.post_generation
    def hours(self, create: bool, extracted, **kwargs) -> None:
        """Open 9:30 to 17:00 every day unless ``hours=`` gives {weekday: [(opens, closes)]}."""
        if not create:
            return
        windows = extracted if extracted is not None else {day: [(dt.time(9, 30), dt.time(17, 0))] for day in range(7)}
        OpeningHours.objects.bulk_create(
            OpeningHours(branch=self, weekday=day, opens=opens, closes=closes)
            for day, spans in windows.items()
            for opens, closes in spans
        )


class ClosureFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Closure

    branch = factory.SubFactory(BranchFactory)
    start_date = dt.date(2026, 12, 24)
    end_date = factory.SelfAttribute("start_date")
    reason = "Staff development day"


class PatronFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Patron

    card_number = factory.Sequence(lambda n: card_number_make(n + 1))
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda p: f"{p.first_name}.{p.last_name}@example.net".lower())
    phone = "519-555-0100"
    reminder_consent = True


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    email = factory.LazyAttribute(lambda u: f"{u.username}@library.example")
    password = factory.django.Password("correct-horse-battery")

    @factory.post_generation
    def role(self, create: bool, extracted: str | None, **kwargs) -> None:
        if create and extracted:
            self.groups.add(Group.objects.get(name=extracted))
