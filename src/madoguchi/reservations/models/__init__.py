"""Facilities, who may book them, bookings and what they occupy, lotteries, classes, e-keys."""

from madoguchi.reservations.models.bookings import (
    Booking,
    BookingKind,
    BookingSource,
    BookingStatus,
    Occupancy,
    OccupiedCell,
)
from madoguchi.reservations.models.classes import ClassEvent, ClassSession, Enrollment, EnrollmentStatus
from madoguchi.reservations.models.facilities import (
    CancellationTier,
    Closure,
    Facility,
    FacilityKind,
    FacilityPhoto,
    FrameMode,
    Rate,
    Rounding,
    TimeFrame,
    Unit,
)
from madoguchi.reservations.models.keys import AccessKey, KeyStatus, LockAccount, LockEventLog
from madoguchi.reservations.models.lotteries import (
    Lottery,
    LotteryApplication,
    LotteryChoice,
    LotteryStatus,
)
from madoguchi.reservations.models.registrations import (
    GroupMember,
    ReductionReason,
    Registration,
    RegistrationStatus,
    UserCategory,
)

__all__ = [
    "AccessKey",
    "Booking",
    "BookingKind",
    "BookingSource",
    "BookingStatus",
    "CancellationTier",
    "ClassEvent",
    "ClassSession",
    "Closure",
    "Enrollment",
    "EnrollmentStatus",
    "Facility",
    "FacilityKind",
    "FacilityPhoto",
    "FrameMode",
    "GroupMember",
    "KeyStatus",
    "LockAccount",
    "LockEventLog",
    "Lottery",
    "LotteryApplication",
    "LotteryChoice",
    "LotteryStatus",
    "Occupancy",
    "OccupiedCell",
    "Rate",
    "ReductionReason",
    "Registration",
    "RegistrationStatus",
    "Rounding",
    "TimeFrame",
    "Unit",
    "UserCategory",
]
