from django import forms

from rapport.customers.choices import (
    ConsentChannel,
    ConsentPurpose,
    ContactKind,
    CustomerStatus,
    Segment,
    SocialNetwork,
    ValueTier,
)
from rapport.customers.models import Customer, Household, Product
from rapport.ui.forms import StyledFormMixin


class CustomerSearchForm(StyledFormMixin, forms.Form):
    q = forms.CharField(
        required=False,
        label="Name, e-mail or phone",
        widget=forms.TextInput(
            attrs={"id": "search-q", "autocomplete": "off", "type": "search", "autofocus": True}
        ),
    )
    status = forms.ChoiceField(
        required=False, choices=[("", "Any status"), *CustomerStatus.choices]
    )
    segment = forms.ChoiceField(required=False, choices=[("", "Any segment"), *Segment.choices])
    value_tier = forms.ChoiceField(required=False, choices=[("", "Any tier"), *ValueTier.choices])


class CustomerForm(StyledFormMixin, forms.ModelForm):
    """Profile fields; on create, an e-mail and a phone can be given at once."""

    class Meta:
        model = Customer
        fields = [
            "kind",
            "first_name",
            "last_name",
            "organisation_name",
            "date_of_birth",
            "language",
            "segment",
            "value_tier",
            "lifetime_value",
            "status",
            "household",
            "needs_review",
        ]
        widgets = {
            "date_of_birth": forms.DateInput(attrs={"type": "date"}),
            # A number, not a list of every household: a center has thousands.
            "household": forms.NumberInput(attrs={"min": 1}),
        }
        labels = {"household": "Household number"}
        help_texts = {
            "household": "The number shown on the household's page; leave empty for none."
        }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["household"].required = False
        self.fields["household"].error_messages["invalid_choice"] = (
            "There is no household with this number."
        )


class CustomerCreateForm(CustomerForm):
    email = forms.CharField(required=False, label="E-mail", max_length=320)
    phone = forms.CharField(
        required=False,
        label="Phone",
        max_length=40,
        help_text="Any format; numbers without a country code are read as local.",
    )
    create_anyway = forms.BooleanField(
        required=False, label="I checked the possible duplicates; create a new customer anyway"
    )


class ContactPointForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(choices=ContactKind.choices)
    value = forms.CharField(max_length=320)
    network = forms.ChoiceField(
        choices=SocialNetwork.choices, required=False, label="Network (social only)"
    )
    label = forms.CharField(max_length=40, required=False, help_text="home, work, mobile …")
    preferred = forms.BooleanField(required=False)
    verified = forms.BooleanField(required=False)


class ConsentForm(StyledFormMixin, forms.Form):
    channel = forms.ChoiceField(choices=ConsentChannel.choices)
    purpose = forms.ChoiceField(choices=ConsentPurpose.choices)
    granted = forms.TypedChoiceField(
        choices=[("true", "Granted"), ("false", "Revoked")],
        coerce=lambda v: v == "true",
        label="Decision",
    )
    source = forms.CharField(
        max_length=100, help_text="Where it came from: call, web form, letter …"
    )


class HoldingForm(StyledFormMixin, forms.Form):
    product = forms.ModelChoiceField(queryset=Product.objects.filter(active=True))
    since = forms.DateField(widget=forms.DateInput(attrs={"type": "date"}))
    value = forms.DecimalField(
        max_digits=12, decimal_places=2, min_value=0, initial=0, label="Yearly value"
    )


class NoteForm(StyledFormMixin, forms.Form):
    body = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}), max_length=5000, label="New note"
    )
    pinned = forms.BooleanField(required=False, label="Pin to the top")


class HouseholdForm(StyledFormMixin, forms.ModelForm):
    class Meta:
        model = Household
        fields = [
            "name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "region",
            "country",
        ]


class HouseholdSearchForm(StyledFormMixin, forms.Form):
    q = forms.CharField(required=False, label="Name, postal code or city")
