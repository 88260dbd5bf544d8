"""Staff screens of facility booking and classes (namespace ``staff:reservations``)."""

from django.urls import URLPattern, URLResolver, path

from madoguchi.reservations.views import facility_settings as settings_views
from madoguchi.reservations.views import staff as views

urlpatterns: list[URLPattern | URLResolver] = [
    path("", views.home, name="home"),
    # Facilities: the week calendar, counter/phone bookings, blocks, closures.
    path("facility/<int:facility_id>/", views.facility_calendar, name="calendar"),
    path("facility/<int:facility_id>/book/", views.counter_booking, name="book"),
    path("facility/<int:facility_id>/block/", views.block_create, name="block"),
    path("facility/<int:facility_id>/closure/", views.closure_create, name="closure"),
    # One booking and what staff do with it.
    path("booking/<int:booking_id>/", views.booking_detail, name="booking"),
    path("booking/<int:booking_id>/cancel/", views.booking_cancel, name="booking_cancel"),
    path("booking/<int:booking_id>/reduction/", views.booking_reduction, name="booking_reduction"),
    path("booking/<int:booking_id>/cash/", views.booking_cash, name="booking_cash"),
    path("booking/<int:booking_id>/key/", views.booking_key_retry, name="booking_key_retry"),
    path("booking/<int:booking_id>/evidence/", views.booking_evidence, name="booking_evidence"),
    path("reductions/", views.reductions, name="reductions"),
    # 利用者登録 verification.
    path("registrations/", views.registrations, name="registrations"),
    path("registrations/<int:registration_id>/decide/", views.registration_decide, name="registration_decide"),
    # Lotteries.
    path("lotteries/", views.lottery_list, name="lotteries"),
    path("lotteries/new/", views.lottery_create, name="lottery_create"),
    path("lotteries/<int:lottery_id>/", views.lottery_detail, name="lottery"),
    path("lotteries/<int:lottery_id>/draw/", views.lottery_draw, name="lottery_draw"),
    path("lotteries/<int:lottery_id>/input.json", views.lottery_input_json, name="lottery_input"),
    path("lotteries/<int:lottery_id>/result.json", views.lottery_result_json, name="lottery_result"),
    # Classes (スマホ講座).
    path("classes/", views.class_list, name="classes"),
    path("classes/new/", views.class_create, name="class_create"),
    path("classes/<int:session_id>/", views.class_roster, name="class"),
    path("classes/<int:session_id>/walk-in/", views.class_walk_in, name="class_walk_in"),
    path("classes/<int:session_id>/capacity/", views.class_capacity, name="class_capacity"),
    path("enrollments/<int:enrollment_id>/attendance/", views.enrollment_attendance, name="enrollment_attendance"),
    path("enrollments/<int:enrollment_id>/cancel/", views.enrollment_cancel, name="enrollment_cancel"),
    # Facility settings (施設の設定): facilities, units, frames and rates, cancellation tiers, photos,
    # 利用者区分 and 減免 reasons.
    path("settings/", settings_views.settings_home, name="settings"),
    path("settings/facilities/new/", settings_views.facility_create, name="settings_facility_create"),
    path("settings/facilities/<int:facility_id>/", settings_views.facility_edit, name="settings_facility"),
    path("settings/facilities/<int:facility_id>/units/", settings_views.unit_list, name="settings_units"),
    path("settings/facilities/<int:facility_id>/units/new/", settings_views.unit_create, name="settings_unit_create"),
    path("settings/facilities/<int:facility_id>/cancellation/", settings_views.tier_list, name="settings_tiers"),
    path("settings/facilities/<int:facility_id>/photos/", settings_views.photo_list, name="settings_photos"),
    path("settings/units/<int:unit_id>/", settings_views.unit_edit, name="settings_unit"),
    path("settings/units/<int:unit_id>/frames/", settings_views.frame_list, name="settings_frames"),
    path("settings/units/<int:unit_id>/frames/new/", settings_views.frame_create, name="settings_frame_create"),
    path("settings/units/<int:unit_id>/rate/", settings_views.hourly_rate, name="settings_hourly_rate"),
    path("settings/frames/<int:frame_id>/", settings_views.frame_update, name="settings_frame"),
    path("settings/frames/<int:frame_id>/delete/", settings_views.frame_delete, name="settings_frame_delete"),
    path("settings/tiers/<int:tier_id>/delete/", settings_views.tier_delete, name="settings_tier_delete"),
    path("settings/photos/<int:photo_id>/image/", settings_views.photo_image, name="settings_photo_image"),
    path("settings/photos/<int:photo_id>/delete/", settings_views.photo_delete, name="settings_photo_delete"),
    path("settings/photos/<int:photo_id>/move/", settings_views.photo_move, name="settings_photo_move"),
    path("settings/categories/", settings_views.category_list, name="settings_categories"),
    path("settings/categories/new/", settings_views.category_create, name="settings_category_create"),
    path("settings/categories/<int:category_id>/", settings_views.category_edit, name="settings_category"),
    path("settings/reductions/", settings_views.reason_list, name="settings_reasons"),
    path("settings/reductions/new/", settings_views.reason_create, name="settings_reason_create"),
    path("settings/reductions/<int:reason_id>/", settings_views.reason_edit, name="settings_reason"),
]
