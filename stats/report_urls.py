"""The monthly reports and their downloads, mounted under /staff/stats/reports/."""

from django.urls import path

from stats import report_views

app_name = "stats_reports"

urlpatterns = [
    path("", report_views.report_list, name="list"),
    path("annual/<str:year>.csv", report_views.annual_csv, name="annual_csv"),
    path("annual/<str:year>.xlsx", report_views.annual_xlsx, name="annual_xlsx"),
    path("<str:month>/", report_views.report_detail, name="detail"),
    path("<str:month>/send/", report_views.report_send, name="send"),
    path("<str:month>.pdf", report_views.report_pdf, name="pdf"),
    path("<str:month>.xlsx", report_views.report_xlsx, name="xlsx"),
    path("<str:month>.csv", report_views.report_csv, name="csv"),
    path("<str:month>.zip", report_views.report_csv_zip, name="csv_zip"),
]
