from django.urls import path, re_path

from staffing import views

app_name = "staffing"

urlpatterns = [
    path("shifts/", views.my_shifts, name="my_shifts"),
    path("shifts/<int:pk>/give-up/", views.shift_give_up, name="shift_give_up"),
    path("shifts/<int:pk>/check-in/", views.assignment_check_in, name="check_in"),
    path("shifts/<int:pk>/check-out/", views.assignment_check_out, name="check_out"),
    path("offers/<int:pk>/claim/", views.shift_claim, name="shift_claim"),
    path("offers/<int:pk>/withdraw/", views.shift_change_withdraw, name="shift_change_withdraw"),
    path("calendar/new-address/", views.calendar_token_reset, name="calendar_token_reset"),
    re_path(r"^calendar/(?P<token>[A-Za-z0-9_-]{16,64})\.ics$", views.calendar_feed, name="calendar_feed"),
    path("hours/", views.hours, name="hours"),
    path("time-off/", views.time_off, name="time_off"),
    path("hours/community-involvement.pdf", views.my_community_hours_pdf, name="my_community_hours_pdf"),
    path("hours/approve/", views.hours_approve, name="hours_approve"),
    path("people/<int:pk>/community-involvement.pdf", views.community_hours_pdf, name="community_hours_pdf"),
    path("changes/", views.shift_changes, name="shift_changes"),
    path("changes/<int:pk>/decide/", views.shift_change_decide, name="shift_change_decide"),
    path("schedule/", views.schedule, name="schedule"),
    path("schedule/offer/", views.shift_offer, name="shift_offer"),
    path("invitations/<int:pk>/take/", views.shift_invitation_take, name="shift_invitation_take"),
    path("invitations/<int:pk>/decline/", views.shift_invitation_decline, name="shift_invitation_decline"),
]
