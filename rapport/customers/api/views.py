"""Customer API. Thin: parse, call one selector or service, serialise."""

from django.http import HttpResponse
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.core.errors import NotFound, ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import CUSTOMER_EDITORS, Role
from rapport.customers import selectors, services
from rapport.customers.api.serializers import (
    ConsentSerializer,
    ContactPointCreateSerializer,
    ContactPointSerializer,
    ContactPointUpdateSerializer,
    CustomerCreatedSerializer,
    CustomerListSerializer,
    CustomerSerializer,
    CustomerSummarySerializer,
    CustomerWriteSerializer,
    HoldingSerializer,
    HouseholdSerializer,
    NoteSerializer,
    ProductSerializer,
)
from rapport.customers.filters import (
    ConsentFilter,
    ContactPointFilter,
    CustomerFilter,
    HoldingFilter,
    NoteFilter,
)
from rapport.customers.services import ContactPointInput


def _edit_allowed(request: Request, action: str) -> None:
    require_roles(request.user, CUSTOMER_EDITORS, action=action)


class CustomerListApi(generics.ListAPIView):
    """Customers the asking user may see. `q` matches a name prefix, an e-mail or a phone."""

    serializer_class = CustomerListSerializer
    filterset_class = CustomerFilter

    def get_queryset(self):
        return selectors.customer_search_for(
            user=self.request.user, query=self.request.query_params.get("q", "")
        )

    @extend_schema(request=CustomerWriteSerializer, responses={201: CustomerCreatedSerializer})
    def post(self, request: Request) -> Response:
        """Create a customer; contact points may be given inline. A contact point that belongs to
        another customer is 409 naming them; a close name in the same household is returned as
        `possible_duplicates`."""
        _edit_allowed(request, "create customers")
        payload = CustomerWriteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        points = [ContactPointInput(**p) for p in data.pop("contact_points", [])]
        hints = selectors.duplicate_candidates(
            first_name=data.get("first_name", ""),
            last_name=data.get("last_name", ""),
            organisation_name=data.get("organisation_name", ""),
            household=data.get("household"),
        )
        customer = services.customer_create(by=request.user, contact_points=points, **data)
        customer.possible_duplicates = hints  # type: ignore[attr-defined]
        return Response(CustomerCreatedSerializer(customer).data, status=status.HTTP_201_CREATED)


class CustomerDetailApi(APIView):
    @extend_schema(responses={200: CustomerSerializer})
    def get(self, request: Request, customer_id: int) -> Response:
        customer = selectors.customer_get_for(user=request.user, customer_id=customer_id)
        return Response(CustomerSerializer(customer).data)

    @extend_schema(request=CustomerWriteSerializer, responses={200: CustomerSerializer})
    def patch(self, request: Request, customer_id: int) -> Response:
        customer = selectors.customer_get_for(user=request.user, customer_id=customer_id)
        _edit_allowed(request, "change customers")
        payload = CustomerWriteSerializer(customer, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        if "contact_points" in data:
            raise ValidationFailed(
                "Change contact points at /api/v1/contact-points/.",
                fields={"contact_points": ["Not changed here; use /api/v1/contact-points/."]},
            )
        services.customer_update(customer=customer, by=request.user, **data)
        return Response(CustomerSerializer(customer).data)


@extend_schema(
    parameters=[
        OpenApiParameter(
            "phone", str, description="Any format; read in the default region when no +country."
        ),
        OpenApiParameter("email", str),
        OpenApiParameter("handle", str, description="Social handle, with or without @."),
        OpenApiParameter("network", str, description="The handle's network (x, facebook, …)."),
    ],
    responses={200: CustomerSummarySerializer},
)
class CustomerLookupApi(APIView):
    """Screen pop: the customer behind a phone number, e-mail address or social handle."""

    def get(self, request: Request) -> Response:
        params = request.query_params
        customer = selectors.customer_lookup_for(
            user=request.user,
            phone=params.get("phone", ""),
            email=params.get("email", ""),
            handle=params.get("handle", ""),
            network=params.get("network", ""),
        )
        return Response(selectors.customer_summary(customer=customer))


class CustomerDataExportApi(APIView):
    """Everything held about one person, as JSON (admins; audited)."""

    @extend_schema(responses={(200, "application/json"): dict})
    def get(self, request: Request, customer_id: int) -> HttpResponse:
        customer = selectors.customer_get_for(user=request.user, customer_id=customer_id)
        require_roles(request.user, {Role.ADMIN}, action="export a person's data")
        body = services.customer_data_export(customer=customer, by=request.user)
        return HttpResponse(body, content_type="application/json")


class CustomerEraseApi(APIView):
    """Erase a person (admins; audited without personal data)."""

    @extend_schema(request=None, responses={200: CustomerSerializer})
    def post(self, request: Request, customer_id: int) -> Response:
        customer = selectors.customer_get_for(user=request.user, customer_id=customer_id)
        require_roles(request.user, {Role.ADMIN}, action="erase customers")
        services.customer_erase(customer=customer, by=request.user)
        return Response(CustomerSerializer(customer).data)


class HouseholdListApi(generics.ListAPIView):
    serializer_class = HouseholdSerializer

    def get_queryset(self):
        return selectors.households_for(
            user=self.request.user, query=self.request.query_params.get("q", "")
        )

    @extend_schema(request=HouseholdSerializer, responses={201: HouseholdSerializer})
    def post(self, request: Request) -> Response:
        _edit_allowed(request, "create households")
        payload = HouseholdSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        household = services.household_create(by=request.user, **payload.validated_data)
        return Response(HouseholdSerializer(household).data, status=status.HTTP_201_CREATED)


class HouseholdDetailApi(APIView):
    @extend_schema(responses={200: HouseholdSerializer})
    def get(self, request: Request, household_id: int) -> Response:
        household = selectors.household_get_for(user=request.user, household_id=household_id)
        return Response(HouseholdSerializer(household).data)

    @extend_schema(request=HouseholdSerializer, responses={200: HouseholdSerializer})
    def patch(self, request: Request, household_id: int) -> Response:
        household = selectors.household_get_for(user=request.user, household_id=household_id)
        _edit_allowed(request, "change households")
        payload = HouseholdSerializer(household, data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.household_update(household=household, by=request.user, **payload.validated_data)
        return Response(HouseholdSerializer(household).data)


@extend_schema(parameters=[OpenApiParameter("customer", int)])
class ContactPointListApi(generics.ListAPIView):
    serializer_class = ContactPointSerializer
    filterset_class = ContactPointFilter

    def get_queryset(self):
        return selectors.contact_points_for(user=self.request.user).order_by("id")

    @extend_schema(request=ContactPointCreateSerializer, responses={201: ContactPointSerializer})
    def post(self, request: Request) -> Response:
        payload = ContactPointCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        customer = selectors.customer_get_for(user=request.user, customer_id=data.pop("customer"))
        _edit_allowed(request, "add contact points")
        point = services.contact_point_add(
            customer=customer, by=request.user, point=ContactPointInput(**data)
        )
        return Response(ContactPointSerializer(point).data, status=status.HTTP_201_CREATED)


class ContactPointDetailApi(APIView):
    def _get(self, request: Request, point_id: int):
        point = selectors.contact_points_for(user=request.user).filter(pk=point_id).first()
        if point is None:
            raise NotFound("No such contact point.")
        return point

    @extend_schema(responses={200: ContactPointSerializer})
    def get(self, request: Request, point_id: int) -> Response:
        return Response(ContactPointSerializer(self._get(request, point_id)).data)

    @extend_schema(request=ContactPointUpdateSerializer, responses={200: ContactPointSerializer})
    def patch(self, request: Request, point_id: int) -> Response:
        point = self._get(request, point_id)
        _edit_allowed(request, "change contact points")
        payload = ContactPointUpdateSerializer(data=request.data, partial=True)
        payload.is_valid(raise_exception=True)
        services.contact_point_update(
            contact_point=point, by=request.user, **payload.validated_data
        )
        return Response(ContactPointSerializer(point).data)

    @extend_schema(responses={204: None})
    def delete(self, request: Request, point_id: int) -> Response:
        point = self._get(request, point_id)
        _edit_allowed(request, "remove contact points")
        services.contact_point_remove(contact_point=point, by=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)


class ProductListApi(generics.ListAPIView):
    serializer_class = ProductSerializer
    filterset_fields = ["category", "active"]

    def get_queryset(self):
        return selectors.products_for(user=self.request.user)

    @extend_schema(request=ProductSerializer, responses={201: ProductSerializer})
    def post(self, request: Request) -> Response:
        require_roles(request.user, {Role.ADMIN}, action="change the catalog")
        payload = ProductSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        product = services.product_create(by=request.user, **payload.validated_data)
        return Response(ProductSerializer(product).data, status=status.HTTP_201_CREATED)


class ProductDetailApi(generics.RetrieveAPIView):
    serializer_class = ProductSerializer
    lookup_url_kwarg = "product_id"

    def get_queryset(self):
        return selectors.products_for(user=self.request.user)


class HoldingListApi(generics.ListAPIView):
    serializer_class = HoldingSerializer
    filterset_class = HoldingFilter

    def get_queryset(self):
        return selectors.holdings_for(user=self.request.user).order_by("id")

    @extend_schema(request=HoldingSerializer, responses={201: HoldingSerializer})
    def post(self, request: Request) -> Response:
        payload = HoldingSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        customer = selectors.customer_get_for(
            user=request.user, customer_id=data.pop("customer_id")
        )
        _edit_allowed(request, "add products to customers")
        holding = services.holding_add(customer=customer, by=request.user, **data)
        return Response(HoldingSerializer(holding).data, status=status.HTTP_201_CREATED)


class ConsentListApi(generics.ListAPIView):
    """Consent decisions, newest first per channel × purpose. POST records a new decision."""

    serializer_class = ConsentSerializer
    filterset_class = ConsentFilter

    def get_queryset(self):
        return selectors.consents_for(user=self.request.user).order_by("-recorded_at", "-id")

    @extend_schema(request=ConsentSerializer, responses={201: ConsentSerializer})
    def post(self, request: Request) -> Response:
        payload = ConsentSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        customer = selectors.customer_get_for(
            user=request.user, customer_id=data.pop("customer_id")
        )
        _edit_allowed(request, "record consent")
        consent = services.consent_record(customer=customer, by=request.user, **data)
        return Response(ConsentSerializer(consent).data, status=status.HTTP_201_CREATED)


class NoteListApi(generics.ListAPIView):
    serializer_class = NoteSerializer
    filterset_class = NoteFilter

    def get_queryset(self):
        return selectors.notes_for(user=self.request.user).order_by("-created_at", "-id")

    @extend_schema(request=NoteSerializer, responses={201: NoteSerializer})
    def post(self, request: Request) -> Response:
        payload = NoteSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        customer = selectors.customer_get_for(
            user=request.user, customer_id=data.pop("customer_id")
        )
        _edit_allowed(request, "add notes")
        note = services.note_add(customer=customer, by=request.user, **data)
        return Response(NoteSerializer(note).data, status=status.HTTP_201_CREATED)
