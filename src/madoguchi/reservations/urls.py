"""Public and resident pages of facility booking and classes (namespace ``reservations``)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.reservations import webhooks
from madoguchi.reservations.views import facility_settings, feeds, public, resident

app_name = "reservations"

urlpatterns: list[URLPattern | URLResolver] = [
    path("locks/webhook/<str:municipality_code>/", webhooks.lock_webhook, name="lock_webhook"),
    # Anyone: facilities, free slots, classes, lotteries, the facility's busy-time feed.
    path("", public.facility_list, name="facilities"),
    path("f/<slug:code>/", public.facility_detail, name="facility"),
    path("f/<slug:code>/calendar.ics", feeds.facility_feed, name="facility_feed"),
    path("f/<slug:code>/photos/<int:photo_id>/", facility_settings.facility_photo, name="facility_photo"),
    path("classes/", public.class_list, name="classes"),
    path("classes/<int:session_id>/", public.class_detail, name="class"),
    path("lotteries/", public.lottery_list, name="lotteries"),
    path("lotteries/<int:lottery_id>/", public.lottery_detail, name="lottery"),
    path("lotteries/<int:lottery_id>/input.json", public.lottery_download, {"what": "input"}, name="lottery_input"),
    path("lotteries/<int:lottery_id>/result.json", public.lottery_download, {"what": "result"}, name="lottery_result"),
    # Signed-in residents.
    path("f/<slug:code>/book/", resident.book, name="book"),
    path("my/", resident.my_bookings, name="my"),
    path("my/register/", resident.register, name="register"),
    path("my/b/<int:booking_id>/", resident.booking_detail, name="booking"),
    path("my/b/<int:booking_id>/pay/", resident.booking_pay, name="booking_pay"),
    path("my/b/<int:booking_id>/cancel/", resident.booking_cancel, name="booking_cancel"),
    path("classes/<int:session_id>/enroll/", resident.class_enroll, name="class_enroll"),
    path("classes/<int:session_id>/cancel/", resident.class_cancel, name="class_cancel"),
    path("lotteries/<int:lottery_id>/apply/", resident.lottery_apply, name="lottery_apply"),
    path(
        "lotteries/<int:lottery_id>/withdraw/<int:application_id>/",
        resident.lottery_withdraw,
        name="lottery_withdraw",
    ),
    # A registration's bookings for calendar apps (the token is the secret).
    # The secret goes in the query string: access logs record paths without it.
    path("feeds/bookings.ics", feeds.registration_feed, name="feed"),
]
