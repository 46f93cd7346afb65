"""The default survey "After your contact" and the draw settings that invite customers to it.

Admins change questions, rates and windows afterwards; the data here is only the starting point.
"""

from django.db import migrations

from rapport.surveys import catalog


def seed(apps, schema_editor):
    catalog.defaults_ensure(apps)


class Migration(migrations.Migration):
    dependencies = [("surveys", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
