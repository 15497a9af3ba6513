from django.urls import path, re_path

from programs import feeds, views

app_name = "programs"

PRIVATE_PART = r"(?P<token>[A-Za-z0-9_-]{20,64})"

urlpatterns = [
    path("", views.program_list, name="list"),
    path("feed.ics", views.feed, name="feed"),
    path("feed.rss", feeds.rss, name="feed_rss"),
    path("feed.atom", feeds.atom, name="feed_atom"),
    path("feed.json", feeds.json_feed, name="feed_json"),
    re_path(rf"^manage/{PRIVATE_PART}/$", views.manage, name="manage"),
    re_path(rf"^manage/{PRIVATE_PART}/registered/$", views.registered, name="registered"),
    re_path(rf"^manage/{PRIVATE_PART}/cancel/$", views.manage_cancel, name="cancel"),
    re_path(
        rf"^manage/{PRIVATE_PART}/people/(?P<pk>[0-9]{{1,9}})/cancel/$",
        views.manage_cancel_person,
        name="cancel_person",
    ),
    re_path(rf"^claim/{PRIVATE_PART}/$", views.claim, name="claim"),
    path("<slug:slug>/", views.program_page, name="program"),
    path("<slug:slug>/register/", views.register, name="register"),
    path("<slug:slug>/share.png", views.program_share_image, name="share_image"),
    path("<slug:slug>/calendar.ics", views.program_calendar, name="program_calendar"),
]
