from django import forms
from django.template.defaultfilters import filesizeformat

from rapport.ui.forms import StyledFormMixin

# About 700,000 calls; larger exports are split or go through `manage.py import_call_records`.
MAX_UPLOAD_BYTES = 100 * 1024 * 1024


class CallRecordUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(
        label="Call-detail records (CSV)",
        help_text=(
            "UTF-8 CSV whose first line names the columns call_id, direction, ani, dnis, queue, "
            "agent, started_at, answered_at, ended_at, hold_seconds, wrap_seconds, transfers, "
            "outcome (separated by commas)."
        ),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,text/csv"}),
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_UPLOAD_BYTES:
            raise forms.ValidationError(
                f"The file is {filesizeformat(upload.size)}; split it into files of at most "
                f"{filesizeformat(MAX_UPLOAD_BYTES)}."
            )
        return upload
