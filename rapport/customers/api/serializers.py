from rest_framework import serializers

from rapport.customers.choices import ContactKind, SocialNetwork
from rapport.customers.models import (
    Consent,
    ContactPoint,
    Customer,
    Holding,
    Household,
    Note,
    Product,
)
from rapport.customers.services import CUSTOMER_FIELDS


class ContactPointInlineSerializer(serializers.Serializer):
    kind = serializers.ChoiceField(choices=ContactKind.choices)
    value = serializers.CharField(max_length=320)
    network = serializers.ChoiceField(choices=SocialNetwork.choices, required=False, default="")
    label = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.label
        max_length=40, required=False, default="", allow_blank=True
    )
    verified = serializers.BooleanField(required=False, default=False)
    preferred = serializers.BooleanField(required=False, default=False)


class ContactPointSerializer(serializers.ModelSerializer):
    class Meta:
        model = ContactPoint
        fields = [
            "id",
            "customer",
            "kind",
            "network",
            "value",
            "normalised",
            "label",
            "verified",
            "preferred",
        ]
        read_only_fields = ["normalised"]


class ContactPointCreateSerializer(ContactPointInlineSerializer):
    customer = serializers.IntegerField()


class ContactPointUpdateSerializer(serializers.Serializer):
    value = serializers.CharField(max_length=320, required=False)
    network = serializers.ChoiceField(choices=SocialNetwork.choices, required=False)
    label = serializers.CharField(  # type: ignore[assignment]  # a field named like Field.label
        max_length=40, required=False, allow_blank=True
    )
    verified = serializers.BooleanField(required=False)
    preferred = serializers.BooleanField(required=False)


class CustomerSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)
    contact_points = ContactPointSerializer(many=True, read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "display_name",
            *CUSTOMER_FIELDS,
            "contact_points",
            "created_at",
            "updated_at",
        ]


class CustomerListSerializer(serializers.ModelSerializer):
    display_name = serializers.CharField(read_only=True)

    class Meta:
        model = Customer
        fields = [
            "id",
            "kind",
            "display_name",
            "status",
            "segment",
            "value_tier",
            "household",
            "lifetime_value",
        ]


class CustomerWriteSerializer(serializers.ModelSerializer):
    contact_points = ContactPointInlineSerializer(many=True, required=False)

    class Meta:
        model = Customer
        fields = [*CUSTOMER_FIELDS, "contact_points"]
        # Uniqueness is checked by the service (409 naming the holder), not here.
        validators: list = []


class DuplicateHintSerializer(serializers.Serializer):
    customer = serializers.IntegerField(source="customer.pk")
    name = serializers.CharField(source="customer.display_name")
    reason = serializers.CharField()


class CustomerCreatedSerializer(CustomerSerializer):
    possible_duplicates = DuplicateHintSerializer(many=True, read_only=True)

    class Meta(CustomerSerializer.Meta):
        fields = [*CustomerSerializer.Meta.fields, "possible_duplicates"]


class SummaryContactSerializer(serializers.Serializer):
    kind = serializers.CharField()
    value = serializers.CharField()
    normalised = serializers.CharField()
    preferred = serializers.BooleanField()


class SummaryProductSerializer(serializers.Serializer):
    code = serializers.CharField()
    name = serializers.CharField()
    since = serializers.DateField()


class SummaryHouseholdSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()


class CustomerSummarySerializer(serializers.Serializer):
    """The screen-pop payload."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    kind = serializers.CharField()
    status = serializers.CharField()
    segment = serializers.CharField()
    value_tier = serializers.CharField()
    lifetime_value = serializers.DecimalField(max_digits=12, decimal_places=2)
    language = serializers.CharField()
    needs_review = serializers.BooleanField()
    household = SummaryHouseholdSerializer(allow_null=True)
    contact_points = SummaryContactSerializer(many=True)
    products = SummaryProductSerializer(many=True)
    url = serializers.CharField()


class HouseholdSerializer(serializers.ModelSerializer):
    class Meta:
        model = Household
        fields = [
            "id",
            "name",
            "address_line1",
            "address_line2",
            "postal_code",
            "city",
            "region",
            "country",
        ]


class ProductSerializer(serializers.ModelSerializer):
    class Meta:
        model = Product
        fields = ["id", "code", "name", "category", "description", "monthly_price", "active"]
        # A taken code is a 409 from the service, not a 400 from here.
        extra_kwargs: dict[str, dict] = {"code": {"validators": []}}


class CustomerIdField(serializers.IntegerField):
    """A customer id checked by the view's selector, not against every customer: a lookup here
    would tell someone who may not see a customer whether the id exists."""

    def __init__(self, **kwargs):
        super().__init__(source="customer_id", **kwargs)


class HoldingSerializer(serializers.ModelSerializer):
    customer = CustomerIdField()

    class Meta:
        model = Holding
        fields = ["id", "customer", "product", "since", "ended_on", "status", "value"]
        read_only_fields = ["ended_on"]


class ConsentSerializer(serializers.ModelSerializer):
    customer = CustomerIdField()

    class Meta:
        model = Consent
        fields = ["id", "customer", "channel", "purpose", "granted", "source", "recorded_at"]
        read_only_fields = ["recorded_at"]


class NoteSerializer(serializers.ModelSerializer):
    customer = CustomerIdField()

    class Meta:
        model = Note
        fields = ["id", "customer", "author", "body", "pinned", "created_at"]
        read_only_fields = ["author", "created_at"]
