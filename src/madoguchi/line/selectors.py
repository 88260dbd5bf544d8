"""Reads for the staff screen of the city's LINE account."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.conf import settings
from django.db.models import QuerySet
from django.urls import reverse

from madoguchi.citizens.selectors import line_friend_counts
from madoguchi.core import clock
from madoguchi.core.models import StaffUser
from madoguchi.core.permissions import Perm, require
from madoguchi.line.models import KeywordReply, LineChannel, RichMenu, WebhookEvent, WebhookEventStatus


@dataclass(frozen=True)
class ChannelOverview:
    channel: LineChannel
    webhook_url: str
    friends: dict[str, int]
    events_today: int
    events_failed: int
    rich_menus: list[RichMenu]


def channel_of(*, municipality_id: int) -> LineChannel | None:
    """The municipality's LINE channel (one at most), or None when it has not connected one."""
    return LineChannel.objects.filter(municipality_id=municipality_id).select_related("municipality").first()


def channel_for(*, actor: StaffUser) -> LineChannel | None:
    require(actor, Perm.LINE_MANAGE)
    assert actor.municipality_id is not None
    return channel_of(municipality_id=actor.municipality_id)


def channel_overview(*, actor: StaffUser) -> ChannelOverview | None:
    channel = channel_for(actor=actor)
    if channel is None:
        return None
    since = clock.now() - dt.timedelta(days=1)
    events = WebhookEvent.objects.filter(channel=channel, received_at__gte=since)
    return ChannelOverview(
        channel=channel,
        webhook_url=settings.SITE_URL.rstrip("/") + reverse("line:webhook", args=[channel.channel_id]),
        friends=line_friend_counts(municipality_id=channel.municipality_id),
        events_today=events.count(),
        events_failed=events.filter(status=WebhookEventStatus.FAILED).count(),
        rich_menus=list(RichMenu.objects.filter(municipality_id=channel.municipality_id).order_by("state")),
    )


def keyword_replies_for(*, actor: StaffUser) -> QuerySet[KeywordReply]:
    require(actor, Perm.LINE_MANAGE)
    return KeywordReply.objects.filter(municipality_id=actor.municipality_id)


def keyword_reply_for(*, actor: StaffUser, reply_id: int) -> KeywordReply | None:
    return keyword_replies_for(actor=actor).filter(pk=reply_id).first()
