"""On PostgreSQL, no two occupancies of one leaf unit may overlap in time.

SQLite has no exclusion constraints; there `reservations.occupancy` writes one
`OccupiedCell` per grid cell under a unique constraint instead.
"""

from django.db import migrations

CREATE = """
CREATE EXTENSION IF NOT EXISTS btree_gist;
ALTER TABLE reservations_occupancy
  ADD CONSTRAINT occupancy_no_overlap
  EXCLUDE USING gist (leaf_id WITH =, tstzrange(start, "end", '[)') WITH &&);
"""
DROP = "ALTER TABLE reservations_occupancy DROP CONSTRAINT IF EXISTS occupancy_no_overlap;"


def forwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(CREATE)


def backwards(apps, schema_editor):  # type: ignore[no-untyped-def]
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(DROP)


class Migration(migrations.Migration):
    dependencies = [("reservations", "0001_initial")]

    operations = [migrations.RunPython(forwards, backwards)]
