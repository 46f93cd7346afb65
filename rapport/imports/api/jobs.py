"""Import API (admins only, like the pages: an area no other role has a part in answers 403).

- GET imports/sources: what can be imported, each source's fields and options.
- POST imports (multipart): upload a file; it is mapped (given or suggested columns) and its
  dry run starts at once. Nothing is written until POST imports/<id>/run.
- GET imports, GET imports/<id>: jobs with state, counts, progress and their first errors.
- GET imports/<id>/errors: the refused rows, line and reason, of the run (or the dry run).
- POST imports/<id>/run (from `checked`), POST imports/<id>/cancel.
"""

import json
from typing import Any

from django.db import transaction
from django.urls import path, reverse
from drf_spectacular.utils import extend_schema, extend_schema_field
from rest_framework import generics, serializers, status
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from rapport.accounts.http import AuthedRequest
from rapport.core.errors import ApplicationError, NotFound
from rapport.core.permissions import require_roles
from rapport.core.roles import IMPORTERS
from rapport.imports import forms as import_forms
from rapport.imports.choices import DateFormat, Encoding, JobState, Phase
from rapport.imports.models import ImportJob
from rapport.imports.selectors import jobs as selectors
from rapport.imports.services import jobs as services
from rapport.imports.sources import all_sources, source_for
from rapport.imports.sources.base import Source

MAX_ID = 2**63 - 1
FIRST_ERRORS = 10
MAPPING_MAX_CHARS = 20_000


class ImporterOnly:
    """Every method of these views is for importers; anyone else gets 403 naming who may."""

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)  # type: ignore[misc]
        require_roles(request.user, IMPORTERS, action="run imports")


def _job_for(request: Request, job_id: int) -> ImportJob:
    if not 0 < job_id <= MAX_ID:
        raise NotFound("No such import.")
    return selectors.job_get_for(user=request.user, job_id=job_id)


# --- Sources --------------------------------------------------------------------------------------


class ImportSourceFieldSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a Field attribute
    required = serializers.BooleanField()  # type: ignore[assignment]  # a field named like a Field attribute
    help = serializers.CharField(allow_blank=True)


class ImportSourceOptionSerializer(serializers.Serializer):
    name = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a Field attribute
    required = serializers.BooleanField()  # type: ignore[assignment]  # a field named like a Field attribute
    help = serializers.CharField(allow_blank=True)
    choices = serializers.ListField(
        child=serializers.CharField(), help_text="Allowed values; empty when any value goes."
    )


class ImportSourceSerializer(serializers.Serializer):
    key = serializers.CharField(help_text="The `source_type` to upload with.")
    label = serializers.CharField()  # type: ignore[assignment]  # a field named like a Field attribute
    description = serializers.CharField()
    fields = ImportSourceFieldSerializer(many=True)  # type: ignore[assignment]  # like Serializer.fields
    options = serializers.SerializerMethodField()

    @extend_schema_field(ImportSourceOptionSerializer(many=True))
    def get_options(self, source: Source) -> list[dict[str, Any]]:
        if source.options_form is None:
            return []
        found = []
        for name, field in source.options_form().fields.items():
            choices = [str(value) for value, _ in getattr(field, "choices", []) if value != ""]
            found.append(
                {
                    "name": name,
                    "label": str(field.label or name),
                    "required": field.required,
                    "help": str(field.help_text or ""),
                    "choices": choices,
                }
            )
        return found


class SourceListApi(ImporterOnly, APIView):
    @extend_schema(responses={200: ImportSourceSerializer(many=True)})
    def get(self, request: Request) -> Response:
        """What can be imported: each source's key, description, the fields a mapping fills and
        the options it takes."""
        return Response(ImportSourceSerializer(all_sources(), many=True).data)


# --- Jobs -----------------------------------------------------------------------------------------


class ImportCountsSerializer(serializers.Serializer):
    seen = serializers.IntegerField(source="rows_seen")
    added = serializers.IntegerField(source="rows_added")
    updated = serializers.IntegerField(source="rows_updated")
    unchanged = serializers.IntegerField(source="rows_unchanged")
    failed = serializers.IntegerField(source="rows_failed")


class ImportProgressSerializer(serializers.Serializer):
    percent = serializers.FloatField()
    rows_per_second = serializers.FloatField(allow_null=True)
    eta_seconds = serializers.FloatField(allow_null=True, help_text="Null when not known.")


class ImportFirstErrorSerializer(serializers.Serializer):
    line = serializers.IntegerField(help_text="Line in the file where the row starts.")
    reason = serializers.CharField()


class ImportRowErrorSerializer(ImportFirstErrorSerializer):
    phase = serializers.ChoiceField(choices=Phase.choices)


class ImportDryRunSerializer(serializers.Serializer):
    rows = serializers.IntegerField(help_text="Rows read.")
    added = serializers.IntegerField(help_text="Would be added.")
    updated = serializers.IntegerField(help_text="Would be updated.")
    unchanged = serializers.IntegerField(help_text="Already as in the file.")
    failed = serializers.IntegerField(help_text="Would be refused (see errors).")
    samples = serializers.ListField(
        child=serializers.CharField(), help_text="Some of the changes, in words."
    )


class ImportLinksSerializer(serializers.Serializer):
    self = serializers.CharField()
    page = serializers.CharField(help_text="The job's page in Rapport.")
    errors = serializers.CharField()  # type: ignore[assignment]  # like Serializer.errors
    error_report = serializers.CharField(help_text="CSV of the refused rows (audited).")
    mapping = serializers.CharField(help_text="POST a new mapping here to check the file again.")
    run = serializers.CharField()
    cancel = serializers.CharField()


def _links(job: ImportJob, request: Request | None) -> dict[str, str]:
    def url(name: str) -> str:
        where = reverse(name, args=[job.pk])
        return request.build_absolute_uri(where) if request is not None else where

    return {
        "self": url("api-import"),
        "page": url("imports:detail"),
        "errors": url("api-import-errors"),
        "error_report": url("imports:errors"),
        "mapping": url("api-import-mapping"),
        "run": url("api-import-run"),
        "cancel": url("api-import-cancel"),
    }


class ImportJobListSerializer(serializers.ModelSerializer):
    state = serializers.ChoiceField(choices=JobState.choices)
    phase = serializers.ChoiceField(choices=Phase.choices, allow_blank=True, read_only=True)
    counts = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = ImportJob
        fields = [
            "id", "source_type", "filename", "file_format", "state", "phase", "counts",
            "created_by", "created_at", "started_at", "finished_at", "links",
        ]  # fmt: skip
        read_only_fields = fields

    @extend_schema_field(ImportCountsSerializer)
    def get_counts(self, job: ImportJob) -> dict[str, int]:
        return dict(ImportCountsSerializer(job).data)

    @extend_schema_field(ImportLinksSerializer)
    def get_links(self, job: ImportJob) -> dict[str, str]:
        return _links(job, self.context.get("request"))


class ImportJobSerializer(ImportJobListSerializer):
    progress = serializers.SerializerMethodField()
    dry_run = serializers.SerializerMethodField()
    errors_count = serializers.SerializerMethodField()
    first_errors = serializers.SerializerMethodField()

    class Meta(ImportJobListSerializer.Meta):
        fields = [
            *ImportJobListSerializer.Meta.fields, "encoding", "delimiter", "date_format",
            "default_region", "headers", "mapping", "options", "progress", "dry_run",
            "errors_count", "first_errors", "failure", "cancel_requested_at", "resumed",
            "file_deleted_at",
        ]  # fmt: skip
        read_only_fields = fields

    def _row_errors(self, job: ImportJob):
        request = self.context["request"]
        phase = Phase.RUN if job.phase == Phase.RUN else Phase.DRY_RUN
        return selectors.job_errors_for(user=request.user, job=job, phase=phase)

    @extend_schema_field(ImportProgressSerializer)
    def get_progress(self, job: ImportJob) -> dict[str, Any]:
        progress = selectors.job_progress(job)
        return {
            "percent": float(progress.percent or 0),
            "rows_per_second": progress.rows_per_second,
            "eta_seconds": progress.eta_seconds,
        }

    @extend_schema_field(ImportDryRunSerializer(allow_null=True))
    def get_dry_run(self, job: ImportJob) -> dict[str, Any] | None:
        """What the dry run found, once it has finished (null before)."""
        found = job.dry_run_summary or {}
        if "rows" not in found:
            return None  # not finished yet: the summary holds only samples meanwhile
        counts: dict[str, Any] = {
            name: int(found.get(name) or 0)
            for name in ("rows", "added", "updated", "unchanged", "failed")
        }
        counts["samples"] = [str(s) for s in found.get("samples", [])]
        return counts

    def get_errors_count(self, job: ImportJob) -> int:
        return self._row_errors(job).count()

    @extend_schema_field(ImportFirstErrorSerializer(many=True))
    def get_first_errors(self, job: ImportJob) -> list[dict[str, Any]]:
        rows = self._row_errors(job)[:FIRST_ERRORS]
        return [{"line": error.line, "reason": error.reason} for error in rows]


def _json_object(text: str, name: str) -> dict | None:
    """A JSON object given as text (multipart has no nested values); None when not given."""
    if not text.strip():
        return None
    if len(text) > MAPPING_MAX_CHARS:
        raise serializers.ValidationError({name: [f"At most {MAPPING_MAX_CHARS} characters."]})
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        message = f"Not valid JSON: {exc.msg} (at character {exc.pos + 1})."
        raise serializers.ValidationError({name: [message]}) from None
    except RecursionError:
        raise serializers.ValidationError({name: ["Nested too deeply."]}) from None
    if not isinstance(value, dict):
        raise serializers.ValidationError({name: ["Give a JSON object, {…}."]})
    return value


def _mapping_checked(source: Source, mapping: dict) -> dict[str, str]:
    """Field names the source has, each with a column header as text (the service then checks
    the columns against the file and that every required field has one)."""
    known = {field.name for field in source.fields}
    problems = []
    for field, column in mapping.items():
        if field not in known:
            problems.append(f"{source.key} has no field {field!r}; it has {', '.join(known)}.")
        elif not isinstance(column, str):
            problems.append(f"{field}: give the column header as text.")
    if problems:
        raise serializers.ValidationError({"mapping": problems})
    return {field: column for field, column in mapping.items() if column}


def _options_checked(source: Source, options: dict | None) -> dict[str, Any] | None:
    """The options as given, once the source's form accepts them (the service keeps what the
    form makes of them); problems are reported as options.<name>."""
    if not options:
        return None
    form = import_forms.options_form_for(
        source, {f"{import_forms.OPTIONS_PREFIX}-{k}": v for k, v in options.items()}
    )
    if form is None:
        raise serializers.ValidationError({"options": [f"{source.key} takes no options."]})
    unknown = sorted(set(options) - set(form.fields))
    if unknown:
        known = ", ".join(form.fields)
        raise serializers.ValidationError(
            {"options": [f"Unknown option {', '.join(unknown)}; {source.key} takes {known}."]}
        )
    if not form.is_valid():
        raise serializers.ValidationError(
            {
                f"options.{name}": [str(p) for p in problems]
                for name, problems in form.errors.items()
            }
        )
    return options


class ImportCreateSerializer(serializers.Serializer):
    file = serializers.FileField(
        help_text="CSV (.csv, .tsv, .txt), Excel (.xlsx) or JSON lines (.jsonl); the first row "
        "(or each object's keys) names the columns."
    )
    source_type = serializers.CharField(
        max_length=32, help_text="What the file holds: a `key` from GET imports/sources."
    )
    mapping = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text='JSON object {"<field>": "<column header>"}. Omitted: the columns are '
        "suggested (a saved mapping with the same headers, else the usual header names).",
    )
    options = serializers.CharField(
        required=False,
        allow_blank=True,
        default="",
        help_text="JSON object of the source's options (see GET imports/sources).",
    )
    encoding = serializers.ChoiceField(choices=Encoding.choices, default=Encoding.AUTO)
    delimiter = serializers.ChoiceField(
        choices=import_forms.DELIMITERS,
        default="",
        allow_blank=True,
        help_text="CSV only; blank: detected.",
    )
    date_format = serializers.ChoiceField(choices=DateFormat.choices, default=DateFormat.ISO)
    default_region = serializers.CharField(
        min_length=2,
        max_length=2,
        default="US",
        help_text="Country whose phone numbers are written without a country code.",
    )

    def validate_file(self, upload):
        problem = import_forms.upload_problem(upload)
        if problem:
            raise serializers.ValidationError(problem)
        return upload

    def validate_source_type(self, key: str) -> str:
        known = [source.key for source in all_sources()]
        if key not in known:
            raise serializers.ValidationError(f"No source {key!r}; known: {', '.join(known)}.")
        return key

    def validate_default_region(self, code: str) -> str:
        problem = import_forms.region_problem(code)
        if problem:
            raise serializers.ValidationError(problem)
        return code.upper()

    def validate(self, attrs: dict) -> dict:
        source = source_for(attrs["source_type"])
        mapping = _json_object(attrs.get("mapping", ""), "mapping")
        attrs["mapping"] = None if mapping is None else _mapping_checked(source, mapping)
        attrs["options"] = _options_checked(
            source, _json_object(attrs.get("options", ""), "options")
        )
        return attrs


class ImportQuerySerializer(serializers.Serializer):
    q = serializers.CharField(required=False, max_length=100, allow_blank=True)
    state = serializers.ChoiceField(choices=JobState.choices, required=False)
    source_type = serializers.CharField(required=False, max_length=32, allow_blank=True)


class ErrorQuerySerializer(serializers.Serializer):
    phase = serializers.ChoiceField(
        choices=Phase.choices,
        required=False,
        help_text="Default: the run once it started, else the dry run.",
    )


def _create(request: AuthedRequest, data: dict) -> ImportJob:
    """Upload and start the dry run as one step: a refusal at any point leaves no job."""
    job = None
    try:
        with transaction.atomic():
            job = services.job_create(
                by=request.user,
                upload=data["file"],
                source_type=data["source_type"],
                encoding=data["encoding"],
                delimiter=data["delimiter"],
                date_format=data["date_format"],
                default_region=data["default_region"],
                mapping=data["mapping"],
                options=data["options"],
            )
            job = services.job_dry_run(job=job, by=request.user)
    except ApplicationError as exc:
        if job is not None and job.file.name:
            job.file.storage.delete(job.file.name)
        raise _named_for_clients(exc, source_for(data["source_type"])) from None
    job.refresh_from_db()
    return job


def _named_for_clients(exc: ApplicationError, source: Source) -> ApplicationError:
    """The service names a problem by a source field (its column is missing or wrong) or calls
    the file "upload"; a client finds them under mapping.<field> and file, where it sent them."""
    names = {field.name for field in source.fields}
    renamed: dict[str, list[str]] = {}
    for key, problems in exc.fields.items():
        if key in names:
            key = f"mapping.{key}"
        elif key == "upload":
            key = "file"
        renamed[key] = problems
    exc.fields = renamed
    return exc


def _job_answer(request: Request, job: ImportJob) -> Response:
    """The job as it stands now (a service may have changed it on another object)."""
    job.refresh_from_db()
    return Response(ImportJobSerializer(job, context={"request": request}).data)


class ImportListApi(ImporterOnly, generics.ListAPIView):
    """Import jobs, newest first. Filter with `q` (file name), `state` and `source_type`."""

    serializer_class = ImportJobListSerializer
    filter_backends: list = []
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self):
        query = ImportQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        data = query.validated_data
        jobs = selectors.jobs_for(user=self.request.user)
        if data.get("q"):
            jobs = jobs.filter(filename__icontains=data["q"])
        if data.get("state"):
            jobs = jobs.filter(state=data["state"])
        if data.get("source_type"):
            jobs = jobs.filter(source_type=data["source_type"])
        return jobs

    @extend_schema(
        request={"multipart/form-data": ImportCreateSerializer},
        responses={201: ImportJobSerializer},
    )
    def post(self, request: AuthedRequest) -> Response:
        """Upload a file to import. Its columns are mapped (as given in `mapping`, else
        suggested) and the dry run starts at once; follow the job until `state` is `checked`,
        read what it found (`dry_run`, `errors_count`, `first_errors`, GET …/errors), then POST
        …/run to import. Nothing is written before that."""
        payload = ImportCreateSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        job = _create(request, payload.validated_data)
        body = ImportJobSerializer(job, context={"request": request}).data
        location = reverse("api-import", args=[job.pk])
        return Response(body, status=status.HTTP_201_CREATED, headers={"Location": location})


class ImportDetailApi(ImporterOnly, APIView):
    @extend_schema(responses={200: ImportJobSerializer})
    def get(self, request: Request, job_id: int) -> Response:
        """One job: state, counts, progress (percent, rows a second, seconds left), what the
        dry run found, the number of refused rows and the first of them."""
        job = _job_for(request, job_id)
        return Response(ImportJobSerializer(job, context={"request": request}).data)


class ImportErrorListApi(ImporterOnly, generics.ListAPIView):
    """The rows a job refused, in file order: the run's once it started, else the dry run's."""

    serializer_class = ImportRowErrorSerializer
    filter_backends: list = []

    @extend_schema(parameters=[ErrorQuerySerializer])
    def get(self, request, *args, **kwargs):
        return super().get(request, *args, **kwargs)

    def get_queryset(self):
        query = ErrorQuerySerializer(data=self.request.query_params)
        query.is_valid(raise_exception=True)
        job = _job_for(self.request, self.kwargs["job_id"])
        phase = query.validated_data.get("phase") or (
            Phase.RUN if job.phase == Phase.RUN else Phase.DRY_RUN
        )
        return selectors.job_errors_for(user=self.request.user, job=job, phase=phase)


class ImportRemapSerializer(serializers.Serializer):
    mapping = serializers.DictField(
        child=serializers.CharField(allow_blank=True),
        help_text='{"<field>": "<column header>"} for the whole file; fields left out are not read.',
    )
    options = serializers.DictField(
        required=False, help_text="The source's options (see GET imports/sources)."
    )
    encoding = serializers.ChoiceField(choices=Encoding.choices, required=False)
    delimiter = serializers.ChoiceField(
        choices=import_forms.DELIMITERS, required=False, allow_blank=True
    )
    date_format = serializers.ChoiceField(choices=DateFormat.choices, required=False)
    default_region = serializers.CharField(min_length=2, max_length=2, required=False)

    def validate_default_region(self, code: str) -> str:
        problem = import_forms.region_problem(code)
        if problem:
            raise serializers.ValidationError(problem)
        return code.upper()


class ImportRemapApi(ImporterOnly, APIView):
    @extend_schema(request=ImportRemapSerializer, responses={200: ImportJobSerializer})
    def post(self, request: AuthedRequest, job_id: int) -> Response:
        """Map the file's columns again (and, if given, how it is read) and check it again: the
        dry run starts at once, as after an upload. For a job whose dry run is done or failed, or
        that waits for its mapping; a job that started importing answers 409."""
        job = _job_for(request, job_id)
        payload = ImportRemapSerializer(data=request.data)
        payload.is_valid(raise_exception=True)
        data = dict(payload.validated_data)
        source = source_for(job.source_type)
        data["mapping"] = _mapping_checked(source, data["mapping"])
        data["options"] = _options_checked(source, data.get("options"))
        try:
            with transaction.atomic():
                job = services.job_configure(job=job, by=request.user, **data)
                job = services.job_dry_run(job=job, by=request.user)
        except ApplicationError as exc:
            raise _named_for_clients(exc, source) from None
        return _job_answer(request, job)


class ImportRunApi(ImporterOnly, APIView):
    @extend_schema(request=None, responses={200: ImportJobSerializer})
    def post(self, request: AuthedRequest, job_id: int) -> Response:
        """Import a job whose dry run is done (`checked`): the rows that passed are written in
        the background; refused rows stay out. Anything else answers 409 or 400."""
        job = services.job_run(job=_job_for(request, job_id), by=request.user)
        return _job_answer(request, job)


class ImportCancelApi(ImporterOnly, APIView):
    @extend_schema(request=None, responses={200: ImportJobSerializer})
    def post(self, request: AuthedRequest, job_id: int) -> Response:
        """Cancel a job: a queued one at once; a running one after the batch it is writing.
        Rows already committed stay imported."""
        job = services.job_cancel(job=_job_for(request, job_id), by=request.user)
        return _job_answer(request, job)


urls = [
    path("imports", ImportListApi.as_view(), name="api-imports"),
    path("imports/sources", SourceListApi.as_view(), name="api-import-sources"),
    path("imports/<int:job_id>", ImportDetailApi.as_view(), name="api-import"),
    path("imports/<int:job_id>/errors", ImportErrorListApi.as_view(), name="api-import-errors"),
    path("imports/<int:job_id>/mapping", ImportRemapApi.as_view(), name="api-import-mapping"),
    path("imports/<int:job_id>/run", ImportRunApi.as_view(), name="api-import-run"),
    path("imports/<int:job_id>/cancel", ImportCancelApi.as_view(), name="api-import-cancel"),
]
