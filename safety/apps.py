from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = "Health and safety"

    def ready(self) -> None:
        from makerlab.shift_rules import register_shift_rules
        from safety.selectors import ProcedureShiftRules

        # Staffing's schedule checks ask for procedures not acknowledged and adult-only supervision.
        register_shift_rules("safety", ProcedureShiftRules)
