"""API of learning modules. Authors (trainers, admins) list every module and create them; anyone
else lists and reads the modules assigned to them, without the answers."""

from typing import Any

from django.urls import path
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.accounts.models import Skill
from rapport.core.errors import ValidationFailed
from rapport.core.permissions import require_roles
from rapport.core.roles import LEARNING_AUTHORS, has_any_role
from rapport.learning.models import Module
from rapport.learning.selectors import modules as selectors
from rapport.learning.services import modules as services

MAX_ID = 2**63 - 1


class ChoiceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    is_correct = serializers.BooleanField(required=False, help_text="Shown to authors only.")


class QuestionSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    text = serializers.CharField()
    order = serializers.IntegerField()
    choices = ChoiceSerializer(many=True)


class ModuleSerializer(serializers.ModelSerializer):
    skill_name = serializers.CharField(source="skill.name")

    class Meta:
        model = Module
        fields = [
            "id", "title", "summary", "skill", "skill_name", "minutes", "pass_mark",
            "is_active", "created_at", "updated_at",
        ]  # fmt: skip


class ModuleDetailSerializer(ModuleSerializer):
    body = serializers.CharField(help_text="Markdown.")
    questions = serializers.SerializerMethodField()

    class Meta(ModuleSerializer.Meta):
        fields = [*ModuleSerializer.Meta.fields, "body", "questions"]

    @extend_schema_field(QuestionSerializer(many=True))
    def get_questions(self, module: Module) -> Any:
        authors = self.context.get("author", False)
        rows = []
        for question in selectors.questions_of(module):
            choices = []
            for choice in question.choices.all():
                item: dict = {"id": choice.pk, "text": choice.text}
                if authors:
                    item["is_correct"] = choice.is_correct
                choices.append(item)
            rows.append(
                {
                    "id": question.pk,
                    "text": question.text,
                    "order": question.order,
                    "choices": choices,
                }
            )
        return rows


class ModuleCreateSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    summary = serializers.CharField(max_length=300)
    body = serializers.CharField(max_length=100_000)
    skill = serializers.IntegerField(min_value=1, max_value=MAX_ID)
    minutes = serializers.IntegerField(min_value=1, max_value=480, default=10)
    pass_mark = serializers.IntegerField(min_value=1, max_value=100, default=80)
    is_active = serializers.BooleanField(default=True)


class ModuleQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, allow_blank=True)
    skill = serializers.IntegerField(required=False, min_value=1, max_value=MAX_ID)


class ModuleListApi(generics.ListAPIView):
    """Modules: every one for trainers and admins; otherwise those assigned to you. Filter with
    `q` (title or summary) and `skill` (id)."""

    serializer_class = ModuleSerializer
    filter_backends: list = []

    def get_queryset(self):
        query = ModuleQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        rows = selectors.modules_for(user=self.request.user)
        if query.validated_data.get("q"):
            rows = rows.filter(title__icontains=query.validated_data["q"])
        if query.validated_data.get("skill"):
            rows = rows.filter(skill_id=query.validated_data["skill"])
        return rows

    @extend_schema(request=ModuleCreateSerializer, responses={201: ModuleDetailSerializer})
    def post(self, request: AuthedRequest) -> Response:
        """Write a module (trainers and admins); add its questions on the page."""
        require_roles(request.user, LEARNING_AUTHORS, action="write learning modules")
        payload = ModuleCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        skill = Skill.objects.filter(pk=data.pop("skill")).first()
        if skill is None:
            raise ValidationFailed("No such skill.", fields={"skill": ["No such skill."]})
        module = services.module_create(by=request.user, skill=skill, **data)
        body = ModuleDetailSerializer(module, context={"author": True}).data
        return Response(body, status=status.HTTP_201_CREATED)


class ModuleDetailApi(APIView):
    @extend_schema(responses={200: ModuleDetailSerializer})
    def get(self, request: AuthedRequest, module_id: int) -> Response:
        """A module with its content and questions (the correct choices for authors only)."""
        module = selectors.module_get_for(user=request.user, module_id=module_id)
        author = has_any_role(request.user, LEARNING_AUTHORS)
        return Response(ModuleDetailSerializer(module, context={"author": author}).data)


urls = [
    path("learning/modules", ModuleListApi.as_view(), name="api-learning-modules"),
    path("learning/modules/<int:module_id>", ModuleDetailApi.as_view(), name="api-learning-module"),
]
