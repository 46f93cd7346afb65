"""API of survey invitations, for survey admins: who was invited, by which channel, how it went.

The address an invitation went to is left out: the list is about the draw and its delivery, and
the customer's contact points are read through the customers API by those who may."""

import django_filters
from django import forms
from django.urls import path
from rest_framework import generics, serializers

from rapport.accounts.http import AuthedRequest
from rapport.core.permissions import require_roles
from rapport.core.roles import SURVEY_ADMINS
from rapport.surveys.choices import InvitationState, InviteChannel
from rapport.surveys.models import Invitation
from rapport.surveys.selectors import invitations as selectors


class InvitationFilter(django_filters.FilterSet):
    state = django_filters.ChoiceFilter(choices=InvitationState.choices)
    channel = django_filters.ChoiceFilter(choices=InviteChannel.choices)

    class Meta:
        model = Invitation
        form = forms.Form
        fields = ["state", "channel"]


class InvitationSerializer(serializers.ModelSerializer):
    class Meta:
        model = Invitation
        fields = [
            "id",
            "survey",
            "interaction",
            "customer",
            "agent",
            "team",
            "channel",
            "state",
            "error",
            "created_at",
            "sent_at",
            "opened_at",
            "answered_at",
            "expires_at",
        ]


class InvitationListApi(generics.ListAPIView):
    """Invitations, newest first; filter by `state` and `channel`. Survey admins only."""

    serializer_class = InvitationSerializer
    filterset_class = InvitationFilter
    request: AuthedRequest

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no user
            return Invitation.objects.none()
        require_roles(self.request.user, SURVEY_ADMINS, action="list survey invitations")
        return selectors.invitations_for(viewer=self.request.user)


urls = [path("surveys/invitations", InvitationListApi.as_view(), name="api-survey-invitations")]
