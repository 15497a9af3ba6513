from django.apps import AppConfig


class SeedlibraryConfig(AppConfig):
    name = "seedlibrary"
    verbose_name = "Seed library"

    def ready(self) -> None:
        from makerlab import retention
        from makerlab.demo import register_demo_step
        from makerlab.signals import seed_orientation_attended
        from seedlibrary import receivers

        seed_orientation_attended.connect(receivers.orientation_attended, dispatch_uid="seedlibrary-orientation")

        # A lot given or returned by a patron keeps its source ("Patron donation", "Patron return")
        # and lineage; the donor's name and their own notes are theirs.
        retention.register_personal_fields(
            "seedlibrary.Lot", patron_path="donor_patron", blank_fields=("donor_name", "grower_notes")
        )
        retention.register_personal_fields(
            "seedlibrary.SeedRequest", patron_path="patron", blank_fields=("contact_email",)
        )
        register_demo_step("seedlibrary", step="seedlibrary.demo.seedlibrary_demo_step")
