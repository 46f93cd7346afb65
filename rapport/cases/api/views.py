"""API views of cases. Thin: parse, check, call one selector or service, serialise.

Reading a case is for everyone who serves customers (others get 404); working it is for
selectors.can_work_case (others who may read it get 403)."""

from drf_spectacular.utils import extend_schema
from rest_framework import generics, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.access import selectors as access_selectors
from rapport.cases import errors, selectors, services
from rapport.cases.api.serializers import (
    AssignSerializer,
    CaseCreateSerializer,
    CaseListSerializer,
    CaseSerializer,
    EscalateSerializer,
    EscalationReasonSerializer,
    EscalationSerializer,
    StatusSerializer,
)
from rapport.cases.filters import CaseFilter, EscalationFilter
from rapport.cases.models import Case
from rapport.core.errors import NotFound, PermissionDenied, ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import CASE_WORKERS
from rapport.customers import selectors as customer_selectors
from rapport.interactions import selectors as interaction_selectors


def _invalid(field: str, message: str) -> ValidationFailed:
    return ValidationFailed(message, fields={field: [message]})


def _case_body(request: Request, case_id: int) -> dict:
    """The case as its detail endpoint shows it, read again through the asker's selectors."""
    case = selectors.case_get_for(user=request.user, case_id=case_id)
    case.chain = list(selectors.escalation_chain_of(case=case))  # type: ignore[attr-defined]
    case.interaction_ids = list(  # type: ignore[attr-defined]
        interaction_selectors.case_interactions_for(user=request.user, case=case)
        .prefetch_related(None)
        .values_list("id", flat=True)
    )
    return CaseSerializer(case).data


def _workable(request: Request, case_id: int) -> Case:
    """The case, if the asker may work it: 404 when they may not read it, 403 when they may read
    but not work it (checked before the payload, so the answer does not depend on it)."""
    case = selectors.case_get_for(user=request.user, case_id=case_id)
    if not selectors.can_work_case(request.user, case):
        raise PermissionDenied(errors.NOT_YOURS)
    return case


class CaseListApi(generics.ListAPIView):
    """Cases the asker may read, newest first. `q` is a reference (C-123) or words of the subject;
    `mine=true` is what is assigned to the asker; `status=active` is any open status."""

    serializer_class = CaseListSerializer
    filterset_class = CaseFilter

    def get_queryset(self):
        return selectors.cases_for(user=self.request.user)

    @extend_schema(request=CaseCreateSerializer, responses={201: CaseSerializer})
    def post(self, request: Request) -> Response:
        """Open a case: routed to a queue by customer and contact type, its SLA clocks started
        from the service objective for contact type × channel."""
        require_roles(request.user, CASE_WORKERS, action="open cases")
        payload = CaseCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        customer = None
        if data.get("customer"):
            try:
                customer = customer_selectors.customer_get_for(
                    user=request.user, customer_id=data["customer"]
                )
            except NotFound:
                raise _invalid("customer", "No such customer.") from None
        contact_type = None
        if data.get("contact_type"):
            contact_type = (
                access_selectors.contact_types_active().filter(pk=data["contact_type"]).first()
            )
            if contact_type is None:
                raise _invalid("contact_type", "No such contact type in use.")
        case = services.case_open(
            by=request.user,
            customer=customer,
            subject=data["subject"],
            channel=data["channel"],
            description=data["description"],
            contact_type=contact_type,
            priority=data["priority"],
        )
        return Response(_case_body(request, case.pk), status=status.HTTP_201_CREATED)


class CaseDetailApi(APIView):
    @extend_schema(responses={200: CaseSerializer})
    def get(self, request: Request, case_id: int) -> Response:
        """A case with its escalation chain and the ids of its contacts."""
        return Response(_case_body(request, case_id))


class CaseEscalateApi(APIView):
    @extend_schema(request=EscalateSerializer, responses={201: EscalationSerializer})
    def post(self, request: Request, case_id: int) -> Response:
        """Hand the case to another queue with a reason and a summary the receiver reads first.
        `customer_needs` and `tried` are required."""
        case = _workable(request, case_id)
        payload = EscalateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = payload.validated_data
        to_queue = selectors.escalation_queues().filter(pk=data["to_queue"]).first()
        if to_queue is None:
            raise _invalid("to_queue", "No such queue.")
        reason = selectors.escalation_reasons_all().filter(pk=data["reason"]).first()
        if reason is None:
            raise _invalid("reason", "No such escalation reason.")
        to_agent = None
        if data.get("to_agent"):
            to_agent = selectors.escalation_agents().filter(pk=data["to_agent"]).first()
            if to_agent is None:
                raise _invalid("to_agent", "Not a person of a team that owns a queue.")
        interaction = None
        if data.get("interaction"):
            interaction = (
                interaction_selectors.case_interactions_for(user=request.user, case=case)
                .prefetch_related(None)
                .filter(pk=data["interaction"])
                .first()
            )
            if interaction is None:
                raise _invalid("interaction", "Not a contact of this case.")
        escalation = services.case_escalate(
            case=case,
            by=request.user,
            to_queue=to_queue,
            reason=reason,
            customer_needs=data["customer_needs"],
            tried=data["tried"],
            promised=data["promised"],
            to_agent=to_agent,
            interaction=interaction,
        )
        escalation = selectors.escalation_chain_of(case=case).get(pk=escalation.pk)
        return Response(EscalationSerializer(escalation).data, status=status.HTTP_201_CREATED)


class CaseStatusApi(APIView):
    @extend_schema(request=StatusSerializer, responses={200: CaseSerializer})
    def post(self, request: Request, case_id: int) -> Response:
        """Change the status; a transition that is not allowed is 400 with code bad_transition.
        Waiting for the customer pauses the SLA clocks; leaving it moves the deadlines on."""
        case = _workable(request, case_id)
        payload = StatusSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        services.case_status_set(
            case=case, by=request.user, status=payload.validated_data["status"]
        )
        return Response(_case_body(request, case_id))


class CaseAssignApi(APIView):
    @extend_schema(request=AssignSerializer, responses={200: CaseSerializer})
    def post(self, request: Request, case_id: int) -> Response:
        """Give the case to yourself or a person of the team owning its queue; null puts it back."""
        case = _workable(request, case_id)
        payload = AssignSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        wanted = payload.validated_data["assignee"]
        assignee = None
        if wanted is not None:
            assignee = (
                request.user
                if wanted == request.user.pk
                else selectors.case_assignees_for(user=request.user, case=case)
                .filter(pk=wanted)
                .first()
            )
            if assignee is None:
                raise _invalid(
                    "assignee", f"Not a person of {case.queue.team}, which owns this case."
                )
        services.case_assign(case=case, by=request.user, assignee=assignee)
        return Response(_case_body(request, case_id))


class EscalationListApi(generics.ListAPIView):
    """Hand-offs on cases the asker may read, newest first, with their summaries."""

    serializer_class = EscalationSerializer
    filterset_class = EscalationFilter

    def get_queryset(self):
        return selectors.escalations_for(user=self.request.user).order_by("-escalated_at", "-id")


class EscalationReasonListApi(generics.ListAPIView):
    """The escalation reason taxonomy (not personal data: everyone signed in may read it)."""

    serializer_class = EscalationReasonSerializer
    filterset_fields = ["is_active", "preventable"]

    def get_queryset(self):
        return selectors.escalation_reasons_all().order_by("name")
