"""The shipped KPI registry, success definition v1, the default QA form and measurement settings.

Admins change targets, owners and wording afterwards; the data here is only the starting point.
"""

import datetime

from django.db import migrations

# key, name, formula, channel, unit, better, target, goal, kind, definition, computation
KPIS = [
    ("fcr", "First-contact resolution", "fcr", "", "percent", "higher", 75, "customer_experience", "hard",
     "Share of customers' issues settled on the first contact: the same customer did not contact us again for the same reason soon after, on any channel.",
     "Handled inbound contacts with a known customer and contact type; resolved unless the same customer made another contact of the same type within the repeat window (measurement settings, default 7 days). Wilson interval."),
    ("repeat_contact", "Repeat-contact rate", "repeat", "", "percent", "lower", 25, "cost", "hard",
     "Share of contacts followed by another contact for the same reason within the repeat window; switching channel counts as a repeat.",
     "1 − first-contact resolution over the same contacts and window."),
    ("aht_phone", "Average handle time (phone)", "aht", "phone", "seconds", "lower", 360, "cost", "hard",
     "Time an agent spends on a call: talk, hold and after-call work. Compared only with other calls.",
     "(handle + hold + wrap-up seconds) ÷ handled calls; t interval."),
    ("aht_chat", "Average handle time (chat)", "aht", "chat", "seconds", "lower", 600, "cost", "hard",
     "Time an agent spends on a chat session including wrap-up. Compared only with other chats.",
     "(handle + hold + wrap-up seconds) ÷ handled chats; t interval."),
    ("aht_email", "Average handle time (e-mail)", "aht", "email", "seconds", "lower", 420, "cost", "hard",
     "Time an agent spends working an e-mail including wrap-up. Compared only with other e-mails.",
     "(handle + wrap-up seconds) ÷ handled e-mails; t interval."),
    ("asa", "Average speed of answer", "asa", "", "seconds", "lower", 30, "customer_experience", "hard",
     "How long customers wait on real-time channels (phone, chat) before an agent answers.",
     "Mean wait seconds of answered inbound phone and chat contacts; t interval."),
    ("service_level", "Service level", "service_level", "", "percent", "higher", 80, "customer_experience", "hard",
     "Share of real-time contacts answered within the service-level threshold (default 20 s).",
     "Answered within Y seconds ÷ (answered + abandoned after the short-abandon threshold, default 5 s). Wilson interval."),
    ("abandonment", "Abandonment rate", "abandonment", "", "percent", "lower", 5, "customer_experience", "hard",
     "Share of callers and chatters who gave up before an agent answered.",
     "Abandoned after the short-abandon threshold ÷ offered (answered + those abandons). Wilson interval."),
    ("transfer_rate", "Transfer rate", "transfer", "", "percent", "lower", 10, "cost", "hard",
     "Share of handled contacts passed to someone else.",
     "Handled contacts with at least one transfer or ending 'transferred' ÷ handled contacts."),
    ("escalation_rate", "Escalation rate", "escalation", "", "percent", "lower", 8, "customer_experience", "hard",
     "Share of handled contacts escalated to a higher tier or authority.",
     "Handled contacts ending 'escalated' or with a recorded escalation ÷ handled contacts."),
    ("success_rate", "Successful interactions", "success", "", "percent", "higher", 70, "customer_experience", "hard",
     "Share of handled contacts that meet the company's definition of a successful interaction (the version in force on the contact's day).",
     "Each handled contact judged by the success definition in force on its day; successes ÷ judged. Wilson interval."),
    ("csat", "Customer satisfaction (CSAT)", "csat", "", "percent", "higher", 85, "customer_experience", "soft",
     "Share of survey answers at 4 or 5 on a 1–5 scale (top-two box).",
     "Top-two-box answers ÷ survey answers, with the response rate. Needs survey answers."),
    ("nps", "Net Promoter Score", "nps", "", "nps", "higher", 30, "retention", "soft",
     "Promoters (9–10) minus detractors (0–6) on the likelihood-to-recommend question.",
     "% promoters − % detractors over answers; −100…100. Needs survey answers."),
    ("customer_effort", "Customer effort", "ces", "", "score", "higher", 5.5, "customer_experience", "soft",
     "How easy customers say we made it to handle their issue, 1–7.",
     "Mean answer on the 1–7 effort question; t interval. Needs survey answers."),
    ("customers_saved", "Customers saved", "saved", "", "percent", "higher", 40, "retention", "hard",
     "Share of customers who said they wanted to leave and still held a product after the save window (default 60 days), credited to the contact that handled it.",
     "Handled contacts of a churn-intent type (e.g. cancel request) whose save window has passed; saved if the customer held an active product on the window's last day. Wilson interval."),
    ("upsell_conversion", "Upsell conversions", "upsell", "", "percent", "higher", 20, "revenue", "hard",
     "Share of offers made in contacts that the customer accepted.",
     "Contacts wrapped up 'offered, accepted' ÷ contacts with an offer. Wilson interval."),
    ("revenue_influenced", "Revenue influenced", "revenue", "", "money", "higher", None, "revenue", "hard",
     "Value of the products customers took up within the offer window (default 30 days) after an offer in a contact.",
     "Sum of the value of holdings started from the offer's day to the end of the offer window, for contacts with an offer. A total, not a sample estimate."),
    ("cost_per_contact", "Cost per contact", "cost_per_contact", "", "money", "lower", 4.5, "cost", "hard",
     "What one handled contact costs: staff time plus the channel's own cost.",
     "(handle seconds × staff cost per hour ÷ 3600 + handled × channel cost) ÷ handled, at the admin-set rates; interval from handle time."),
    ("relationship_attempts", "Relationship-building attempts", "relationship", "", "percent", "higher", 60, "retention", "soft",
     "Share of contacts where the agent tried to build the relationship, as recorded at wrap-up.",
     "Wrap-ups answering yes ÷ wrap-ups answering the question. Wilson interval."),
    ("compliments", "Compliments", "compliments", "", "percent", "higher", 5, "customer_experience", "soft",
     "Share of handled contacts in which the customer paid the agent a compliment.",
     "Contacts with a compliment recorded at wrap-up ÷ handled contacts. Wilson interval."),
    ("qa_score", "QA score", "qa_score", "", "score", "higher", 85, "customer_experience", "soft",
     "Weighted score of evaluated interactions, 0–100; an auto-fail item sets it to 0.",
     "Mean score of submitted QA evaluations (calibration and voided ones excluded); t interval."),
]

# text, category, weight, auto-fail, guidance
QA_CRITERIA = [
    ("Verified the customer's identity before discussing the account", "compliance", 0, True,
     "Security questions or a verified contact point, before any account detail."),
    ("Understood the reason for contact and confirmed it back", "process", 15, False, ""),
    ("Gave correct and complete information", "process", 20, False, ""),
    ("Acknowledged the customer's feelings and situation", "empathy", 15, False,
     "Names the feeling or the impact, in the agent's own words."),
    ("Took ownership: said what they would do and did it", "ownership", 15, False,
     "No hand-off without a clear next step and owner."),
    ("Tried to build the relationship (personal touch, relevant offer)", "relationship", 10, False, ""),
    ("Set clear expectations for what happens next", "ownership", 10, False, ""),
    ("Recorded the contact accurately at wrap-up", "process", 15, False, ""),
]


def seed(apps, schema_editor):
    Kpi = apps.get_model("performance", "Kpi")
    for order, row in enumerate(KPIS):
        key, name, formula, channel, unit, better, target, goal, kind, definition, computation = row
        Kpi.objects.get_or_create(
            key=key,
            defaults={
                "name": name, "formula": formula, "channel": channel, "unit": unit,
                "better": better, "target": target, "goal": goal, "kind": kind,
                "definition": definition, "computation": computation, "order": order,
            },
        )
    SuccessDefinition = apps.get_model("performance", "SuccessDefinition")
    SuccessDefinition.objects.get_or_create(
        version=1,
        defaults={
            "name": "Resolved, not repeated, not escalated",
            "notes": "The starting definition: resolved on the contact, no repeat contact for the same reason within 7 days, not escalated.",
            "effective_from": datetime.date(2000, 1, 1),
            "require_resolved": True,
            "repeat_window_days": 7,
            "forbid_escalation": True,
            "forbid_transfer": False,
        },
    )
    QaForm = apps.get_model("performance", "QaForm")
    QaCriterion = apps.get_model("performance", "QaCriterion")
    form, created = QaForm.objects.get_or_create(
        name="Standard contact review",
        defaults={"description": "For calls, chats and e-mails: accuracy, ownership and the soft skills."},
    )
    if created:
        for order, (text, category, weight, auto_fail, guidance) in enumerate(QA_CRITERIA):
            QaCriterion.objects.create(
                form=form, text=text, category=category, weight=weight,
                auto_fail=auto_fail, guidance=guidance, order=order,
            )
    apps.get_model("performance", "MeasurementSettings").objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
