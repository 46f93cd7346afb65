"""QA scores from a recording system: submitted evaluations that count on scorecards, refused when
their contact or agent is unknown or does not match, idempotent by evaluation id."""

import datetime
from decimal import Decimal

import pytest

from rapport.accounts.tests.factories import UserFactory
from rapport.imports.sources.base import Context
from rapport.imports.sources.qa_scores import IMPORTED_FORM, QaScoresOptions, QaScoresSource
from rapport.imports.tests.crm_export_lines import (
    at,
    counted,
    job_counts,
    lines_of,
    mapped_lines,
    process,
    unmapped_headers,
    whole_job,
)
from rapport.interactions.tests.factories import InteractionFactory
from rapport.performance import kpis
from rapport.performance.choices import EvaluationStatus
from rapport.performance.models import Evaluation, QaForm

pytestmark = pytest.mark.django_db

SOURCE = QaScoresSource()
EXPORT = "qa_recording_export.csv"


@pytest.fixture
def recorded(ana_and_ben):
    """Agents ana (rec-ana in the recording system) and ben, evaluator quinn, their calls."""
    ana, ben = ana_and_ben("recording", "rec-ana").values()
    quinn = UserFactory(username="quinn", email="quinn@center.example", roles=["qa_analyst"])
    calls = {
        call_id: InteractionFactory(
            source="phone", external_id=call_id, agent=agent, started_at=started, outcome="resolved"
        )
        for call_id, agent, started in (
            ("c-1001", ana, at(2, 9)),
            ("c-1002", ben, at(2, 9, 3)),
            ("c-1003", ana, at(2, 10, 15)),
            ("c-1010", ana, at(3, 8, 45)),
        )
    }
    etiquette = QaForm.objects.create(name="Phone etiquette")
    return {"ana": ana, "ben": ben, "quinn": quinn, "calls": calls, "etiquette": etiquette}


def test_every_column_of_the_recording_export_finds_its_field():
    assert unmapped_headers(SOURCE, EXPORT) == []


def test_scores_become_submitted_evaluations_and_bad_rows_say_why(recorded):
    outcome = process(SOURCE, mapped_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (4, 0, 0)
    assert dict(outcome.errors) == {
        5: "call_id 'c-9999' is not a call in Rapport (import the call records first)",
        6: "agent 'ana' did not handle contact call c-1002: Rapport has it handled by ben",
        7: "score must be between 0 and 100: '120'",
        8: "evaluated_at '2026-03-01 08:00' is before the contact started",
        9: "form 'Retired form' is not a QA form in Rapport",  # a record over two lines
    }
    scores = {e.external_id: e for e in Evaluation.objects.filter(source="recording")}
    assert set(scores) == {"EV-5001", "EV-5002", "EV-5003", "EV-5009"}
    first = scores["EV-5001"]
    assert first.status == EvaluationStatus.SUBMITTED
    assert (first.agent, first.evaluator) == (recorded["ana"], recorded["quinn"])
    assert first.interaction == recorded["calls"]["c-1001"]
    assert first.score == Decimal("86.00")
    assert first.submitted_at == at(4, 14, 10)
    assert first.comments == "Good verification; rushed the close."
    imported = QaForm.objects.get(name=IMPORTED_FORM)
    assert first.form == imported and not imported.is_active
    assert scores["EV-5002"].form == recorded["etiquette"]
    assert scores["EV-5002"].score == Decimal("90.00")  # 18 of 20 points
    assert scores["EV-5002"].evaluator == recorded["quinn"]  # by e-mail
    assert scores["EV-5003"].evaluator is None  # qa-77 is nobody in Rapport
    assert scores["EV-5009"].score == Decimal("87.50")  # 7 of 8
    assert "1 row: evaluator 'qa-77' has no Rapport account" in outcome.samples


def test_imported_scores_count_in_the_agents_qa_score(recorded):
    process(SOURCE, mapped_lines(SOURCE, EXPORT))

    ana = Evaluation.objects.filter(agent=recorded["ana"])
    assert kpis.qa_sums(ana) == (3, 86 + 92 + 87.5, 86**2 + 92**2 + 87.5**2)
    by_day = kpis.qa_sums_by_day(ana)
    assert by_day[datetime.date(2026, 3, 4)] == (1, 86.0, 86.0**2)


def test_the_same_file_twice_changes_nothing(recorded):
    process(SOURCE, mapped_lines(SOURCE, EXPORT))
    before = list(Evaluation.objects.order_by("pk").values())

    outcome = process(SOURCE, mapped_lines(SOURCE, EXPORT))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 0, 4)
    assert len(outcome.errors) == 5
    assert list(Evaluation.objects.order_by("pk").values()) == before
    assert QaForm.objects.filter(name=IMPORTED_FORM).count() == 1


def test_a_rescored_evaluation_is_updated_and_a_voided_one_stays_voided(recorded):
    process(SOURCE, mapped_lines(SOURCE, EXPORT))
    Evaluation.objects.filter(external_id="EV-5001").update(status=EvaluationStatus.VOIDED)
    text = (
        "Evaluation ID,Call ID,Agent,Score,Evaluation Date\n"
        "EV-5001,c-1001,rec-ana,91,2026-03-04 14:10\n"
        "EV-5003,c-1003,ana,92,2026-03-05 09:00\n"
    )

    outcome = process(SOURCE, lines_of(SOURCE, text))

    assert (outcome.added, outcome.updated, outcome.unchanged) == (0, 1, 1)
    rescored = Evaluation.objects.get(external_id="EV-5001")
    assert rescored.score == Decimal("91.00")
    assert rescored.status == EvaluationStatus.VOIDED
    # Columns the second file leaves out change nothing.
    assert rescored.evaluator == recorded["quinn"]
    assert rescored.comments == "Good verification; rushed the close."
    assert rescored.form.name == IMPORTED_FORM


def test_a_dry_run_writes_nothing_and_counts_what_a_run_would(recorded):
    dry = process(SOURCE, mapped_lines(SOURCE, EXPORT), dry_run=True)

    assert not Evaluation.objects.exists()
    assert not QaForm.objects.filter(name=IMPORTED_FORM).exists()
    real = process(SOURCE, mapped_lines(SOURCE, EXPORT))
    assert counted(dry) == counted(real)
    assert "add QA score EV-5001: 86.00 for rec-ana on call c-1001" in dry.samples


def test_a_row_repeated_in_a_batch_is_written_once_with_its_last_values(recorded):
    text = (
        "Evaluation ID,Call ID,Agent,Score,Evaluation Date\n"
        "EV-1,c-1001,ana,50,2026-03-04 10:00\n"
        "EV-1,c-1001,ana,60,2026-03-04 10:00\n"
    )

    outcome = process(SOURCE, lines_of(SOURCE, text))

    assert (outcome.added, outcome.unchanged) == (1, 1)
    assert Evaluation.objects.get(external_id="EV-1").score == Decimal("60.00")


def test_the_contact_may_be_named_by_its_rapport_number(recorded):
    call = recorded["calls"]["c-1002"]
    other = recorded["calls"]["c-1001"]
    text = (
        "Evaluation ID,Interaction ID,Call ID,Agent,Score,Evaluation Date\n"
        f"EV-1,{call.pk},,ben,75,2026-03-04 10:00\n"
        f"EV-2,{other.pk},c-1002,ben,75,2026-03-04 10:00\n"
        "EV-3,,,ben,75,2026-03-04 10:00\n"
        "EV-4,99999999,,ben,75,2026-03-04 10:00\n"
    )

    outcome = process(SOURCE, lines_of(SOURCE, text))

    assert Evaluation.objects.get(external_id="EV-1").interaction == call
    assert dict(outcome.errors) == {
        3: f"call_id 'c-1002' and interaction_id {other.pk} differ",
        4: "call_id or interaction_id is needed: a score needs its contact",
        5: "interaction_id 99999999 is not a contact in Rapport",
    }


def test_a_score_needs_an_agent_who_handled_the_contact_and_another_evaluator(recorded):
    InteractionFactory(source="phone", external_id="c-nobody", agent=None, started_at=at(2, 8))
    text = (
        "Evaluation ID,Call ID,Agent,Evaluator,Score,Evaluation Date\n"
        "EV-1,c-nobody,ana,quinn,75,2026-03-04 10:00\n"
        "EV-2,c-1001,ana,ana,75,2026-03-04 10:00\n"
        "EV-3,c-1001,zed,quinn,75,2026-03-04 10:00\n"
        "EV-4,c-1001,ana,quinn,,2026-03-04 10:00\n"
        "EV-5,c-1001,ana,quinn,abc,2026-03-04 10:00\n"
    )

    outcome = process(SOURCE, lines_of(SOURCE, text))

    assert outcome.added == 0
    assert dict(outcome.errors) == {
        2: "contact call c-nobody has no agent in Rapport to credit the score to",
        3: "the evaluator is the agent: a self-evaluation does not count as QA",
        4: "agent 'zed' has no Rapport account",
        5: "score is missing (or give points and max_points)",
        6: "score is not a number: 'abc'",
    }


def test_the_job_may_choose_the_form_for_rows_that_name_none(recorded):
    chosen = recorded["etiquette"]
    options = QaScoresOptions(data={"form": str(chosen.pk)})
    assert options.is_valid(), options.errors
    text = (
        "Evaluation ID,Call ID,Agent,Score,Evaluation Date\nEV-1,c-1001,ana,75,2026-03-04 10:00\n"
    )

    process(SOURCE, lines_of(SOURCE, text), options=options.cleaned_data)

    assert Evaluation.objects.get(external_id="EV-1").form == chosen
    assert not QaForm.objects.filter(name=IMPORTED_FORM).exists()


def test_a_chosen_form_that_was_deleted_is_reported_on_each_row(recorded):
    text = (
        "Evaluation ID,Call ID,Agent,Score,Evaluation Date\nEV-1,c-1001,ana,75,2026-03-04 10:00\n"
    )
    ctx = Context(job_id=1, source_label="recording", options={"form": 99999})

    outcome = process(SOURCE, lines_of(SOURCE, text), ctx=ctx)

    assert dict(outcome.errors) == {
        2: "the form chosen for this import (number 99999) no longer exists"
    }


def test_the_export_through_a_whole_import_job(recorded, importer, run_tasks):
    chosen = recorded["etiquette"]
    summary, job, errors = whole_job(
        run_tasks,
        importer,
        name=EXPORT,
        source_type="qa_scores",
        date_format="iso",
        options={"form": str(chosen.pk)},
    )

    assert job.options == {"form": chosen.pk}
    assert (summary["added"], summary["failed"]) == (4, 5)
    assert job_counts(job) == (4, 0, 0, 5)
    assert [line for line, _ in errors] == [5, 6, 7, 8, 9]
    assert set(Evaluation.objects.values_list("form", flat=True)) == {chosen.pk}
