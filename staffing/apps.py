from django.apps import AppConfig


class StaffingConfig(AppConfig):
    name = "staffing"
    verbose_name = "Staffing"

    def ready(self) -> None:
        from makerlab.demo import register_demo_step

        register_demo_step("staffing", step="staffing.demo.staffing_demo_step")
