"""Hooks this app registers with lower apps, and its recurring jobs."""

from __future__ import annotations

import datetime as dt

from madoguchi.core import schedule
from madoguchi.payments import hooks as payment_hooks
from madoguchi.reservations.services import bookings, classes, keys, lotteries
from madoguchi.reservations.services.payment import PURPOSE, booking_payment_changed

payment_hooks.register(PURPOSE, label="施設使用料", on_change=booking_payment_changed)

schedule.every("reservations.expire_holds", dt.timedelta(minutes=1), bookings.bookings_expire_overdue)
schedule.every("reservations.reminders", dt.timedelta(minutes=10), bookings.booking_reminders_send)
schedule.every("reservations.keys_send", dt.timedelta(minutes=1), keys.keys_send_due)
schedule.every("reservations.keys_repair", dt.timedelta(minutes=1), keys.keys_repair)
schedule.every("reservations.lock_events_recover", dt.timedelta(minutes=10), keys.lock_events_recover)
schedule.every("reservations.lottery_run", dt.timedelta(minutes=1), lotteries.lotteries_advance)
schedule.every("reservations.class_reminders", dt.timedelta(minutes=10), classes.class_reminders_send)
