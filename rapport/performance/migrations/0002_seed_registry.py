"""The shipped KPI registry, success definition v1, the default QA form and measurement settings.

Admins change targets, owners and wording afterwards; the data here is only the starting point.
"""

from django.db import migrations

from rapport.performance import catalog


def seed(apps, schema_editor):
    catalog.defaults_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [("performance", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
