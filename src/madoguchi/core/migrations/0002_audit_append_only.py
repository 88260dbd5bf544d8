"""Make the audit trail append-only in the database itself (see core.db_guards)."""

from django.db import migrations


def install(apps, schema_editor):
    from madoguchi.core import db_guards

    db_guards.install(schema_editor)


def remove(apps, schema_editor):
    from madoguchi.core import db_guards

    db_guards.remove(schema_editor)


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]
    operations = [migrations.RunPython(install, remove, elidable=False)]
