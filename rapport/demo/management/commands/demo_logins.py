from django.conf import settings
from django.core.management.base import BaseCommand

from rapport.demo import catalog
from rapport.demo.management.commands.seed_demo import AGENTS_PER_TEAM, EXTRA_LOGINS, ROLE_USERS
from rapport.demo.voice_ledger import gamers_find


class Command(BaseCommand):
    help = "Print how to log in to the demo center."

    def add_arguments(self, parser):
        parser.add_argument("--port", default="8000")

    def handle(self, *args, port: str, **options):
        url = f"http://127.0.0.1:{port}/"
        agents = AGENTS_PER_TEAM * len(catalog.TEAMS) + sum(catalog.SPECIALIST_TEAMS.values())
        teams = len(catalog.TEAMS) + len(catalog.SPECIALIST_TEAMS)
        lines = [
            "",
            "Rapport demo center",
            f"  open      {url}",
            f"  password  {settings.RAPPORT_DEMO_PASSWORD}  (set RAPPORT_DEMO_PASSWORD to change it)",
            "  users     " + ", ".join(username for username, *_ in ROLE_USERS),
            *(
                f"            {username}: {what} in {team}"
                for username, _role, _first, _last, team, what in EXTRA_LOGINS
            ),
            f"            plus ~{agents} agents in {teams} teams "
            "(see People when logged in as supervisor or admin)",
            f"  measures  {url}performance/kpis/  (the KPI wall; agent: own scorecard, goals, QA; "
            "supervisor: Northside's)",
            f"  surveys   {url}surveys/report/  (scores with their uncertainty; supervisor, executive)",
            f"  gaming    {url}surveys/gaming/  (log in as qa_analyst: the gaming checks' flags)",
            *_gamers(),
            f"  alerts    {url}insights/alerts/  (supervisor: Northside's recovery inbox, "
            f"report at {url}insights/alerts/report/)",
            f"  insights  {url}insights/  (what customers say; churn risk at "
            f"{url}insights/churn-risk/)",
            f"  learning  {url}learning/  (agent: My learning — assignments with the gap that caused "
            "them, reviews, proficiency)",
            f"            {url}desk/  (agent: go idle and the 'Between contacts' panel brings an "
            "overdue briefing, reviews, a module, a poll)",
            f"  briefings {url}briefings/  (agent: My briefings, one overdue with a failed check; "
            f"polls at {url}briefings/polls/)",
            f"            {url}briefings/dashboard/  (supervisor: read and understood by team, "
            "overdue raised to you)",
            f"  training  {url}learning/assignments/  (trainer: proposals to confirm; gap rules at "
            f"{url}learning/gap-rules/, impact at {url}learning/impact/, cohorts at "
            f"{url}learning/proficiency/cohorts/)",
            f"            {url}briefings/polls/manage/  (trainer: feature feedback, ENH-142 closed "
            "with results, ENH-157 open)",
            f"  imports   {url}imports/  (admin: Data → Imports; HubSpot, Zendesk, WFM and billing "
            "files with their bad rows by line, one waiting for its mapping, one cancelled)",
            f"            {url}identity/  (admin: Data → Duplicates, likely pairs and why; Data → "
            f"Merges at {url}identity/merges/, one merge kept and one undone)",
            f"  API docs  {url}api/docs/",
            f"  mail      send to support@rapport.example via SMTP on 127.0.0.1:{settings.RAPPORT_MAIL_PORT}",
            "  a call    .venv/bin/python manage.py demo_call agent   (with the agent's /desk/ open)",
            "",
        ]
        self.stdout.write("\n".join(lines))


def _gamers() -> list[str]:
    """The agents who game their surveys in the loaded demo (none before it is loaded)."""
    gamers = gamers_find()
    found = [
        (user, what)
        for user, what in (
            (gamers.begging, "asks customers for a 10"),
            (gamers.clustering, "answers own invitations from one phone"),
            (gamers.improbable, "scores improbably high for the mix"),
        )
        if user is not None
    ]
    return [f"            {user.username}: {what}" for user, what in found]
