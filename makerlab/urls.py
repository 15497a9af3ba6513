from django.conf import settings
from django.conf.urls.static import static
from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.urls import include, path

from makerlab import views

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("favicon.ico", views.favicon),
    path("accounts/login/", views.StaffLoginView.as_view(), name="login"),
    path("accounts/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("admin/", admin.site.urls),
    path("staff/desk/", include("bookings.staff_urls")),
    path("staff/programs/", include("programs.staff_urls")),
    path("staff/seeds/", include("seedlibrary.staff_urls")),
    path("staff/safety/", include("safety.urls")),
    path("staff/stats/surveys/", include("stats.survey_staff_urls")),
    path("staff/", include("frontdesk.urls")),
    path("staff/", include("staffing.urls")),
    path("book/", include("bookings.urls")),
    path("programs/", include("programs.urls")),
    path("staff/seeds/lots/", include("seedlibrary.label_urls")),
    path("seeds/", include("seedlibrary.urls")),
    path("survey/", include("stats.survey_urls")),
    path("safety/", include("safety.public_urls")),
    path("my/", include("mylab.urls")),
    path("suggest/", include("stats.purchase_urls")),
    path("staff/stats/reports/", include("stats.report_urls")),
    path("staff/stats/purchases/", include("stats.purchase_staff_urls")),
    path("staff/stats/", include("stats.dashboard_urls")),
    path("staff/promotion/", include("promotion.staff_urls")),
    path("", include("promotion.urls")),
]

# Uploaded pictures: served by the app only in development; in production the proxy serves MEDIA_ROOT.
urlpatterns += static(settings.MEDIA_URL, document_root=settings.MEDIA_ROOT)

handler404 = "makerlab.views.page_not_found"
handler500 = "makerlab.views.server_error"
