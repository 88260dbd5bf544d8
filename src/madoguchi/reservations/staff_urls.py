"""Staff screens of facility booking and classes (namespace ``staff:reservations``)."""

from django.urls import URLPattern, URLResolver, path

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
]
