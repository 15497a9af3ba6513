from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = "Health and safety"

    def ready(self) -> None:
        from makerlab.demo import register_demo_step

        register_demo_step("safety", step="safety.demo.safety_demo_step")
