"""The database's guarantee that a leaf unit is never held twice at once.

`occupy` writes a booking's rows; an overlap makes the database raise IntegrityError
(PostgreSQL: the exclusion constraint on `Occupancy`; SQLite: the unique constraint on
`OccupiedCell`). Callers run it in a savepoint and turn the error into `SlotTaken`.
"""

from __future__ import annotations

import datetime as dt

from django.db import connection

from madoguchi.reservations.models import Booking, Occupancy, OccupiedCell, Unit


def leaves_of(unit: Unit) -> list[Unit]:
    """The leaf units beneath ``unit`` (itself when it has no children)."""
    children = list(unit.children.all())
    if not children:
        return [unit]
    leaves: list[Unit] = []
    for child in children:
        leaves += leaves_of(child)
    return leaves


def _cells(start: dt.datetime, end: dt.datetime, grid_minutes: int) -> list[dt.datetime]:
    step = dt.timedelta(minutes=grid_minutes)
    # Cells are aligned to the grid from midnight UTC, so two bookings' cells always coincide.
    epoch = dt.datetime(2000, 1, 1, tzinfo=dt.UTC)
    first = epoch + ((start - epoch) // step) * step
    cells, cell = [], first
    while cell < end:
        cells.append(cell)
        cell += step
    return cells


def occupy(booking: Booking) -> None:
    leaves = leaves_of(booking.unit)
    Occupancy.objects.bulk_create(
        Occupancy(booking=booking, leaf=leaf, start=booking.start, end=booking.end) for leaf in leaves
    )
    if connection.vendor != "postgresql":
        grid = booking.unit.facility.grid_minutes
        OccupiedCell.objects.bulk_create(
            OccupiedCell(booking=booking, leaf=leaf, cell_start=cell)
            for leaf in leaves
            for cell in _cells(booking.start, booking.end, grid)
        )


def is_taken(unit: Unit, start: dt.datetime, end: dt.datetime) -> bool:
    """A read-only look before doing the work of a booking; the constraint above still decides."""
    leaf_ids = [leaf.pk for leaf in leaves_of(unit)]
    return Occupancy.objects.filter(leaf_id__in=leaf_ids, start__lt=end, end__gt=start).exists()


def release(booking: Booking) -> None:
    Occupancy.objects.filter(booking=booking).delete()
    OccupiedCell.objects.filter(booking=booking).delete()
