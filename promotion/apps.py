from django.apps import AppConfig


class PromotionConfig(AppConfig):
    name = "promotion"
    verbose_name = "Promotion and displays"

    def ready(self) -> None:
        from makerlab.demo import register_demo_step
        from makerlab.home_sections import register_home_section
        from promotion import selectors

        register_demo_step("promotion", step="promotion.demo.promotion_demo_step")
        # The home page's "On display now", without makerlab importing promotion (DESIGN.md §3).
        register_home_section("promotion", selectors.home_displays_section)
