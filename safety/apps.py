from django.apps import AppConfig


class SafetyConfig(AppConfig):
    name = "safety"
    verbose_name = "Health and safety"

    def ready(self) -> None:
        from makerlab.demo import register_demo_step
        from makerlab.equipment_rules import EquipmentRules, register_equipment_rules
        from makerlab.shift_rules import register_shift_rules
        from safety import selectors, services

        register_demo_step("safety", step="safety.demo.safety_demo_step")

        # Staffing's schedule checks ask for procedures not acknowledged and adult-only supervision.
        register_shift_rules("safety", selectors.ProcedureShiftRules)
        # Bookings refuses the under-age, tells patrons in its emails and keeps the checklist at check-in,
        # without importing safety (DESIGN.md §3).
        register_equipment_rules(
            "safety",
            EquipmentRules(
                minimum_ages=lambda ids: selectors.equipment_minimum_ages(equipment_ids=ids),
                notices=lambda ids: selectors.equipment_notices(equipment_ids=ids),
                checklists=lambda ids: selectors.pre_use_checklists(equipment_ids=ids),
                check_in=services.pre_use_check_record,
            ),
        )
