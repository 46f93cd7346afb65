"""The shipped alert rules and root causes (with the skills the causes point to)."""

from django.db import migrations

from rapport.insights import catalog


def seed(apps, schema_editor):
    catalog.defaults_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [("insights", "0001_initial"), ("accounts", "0002_role_groups")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
