"""The managed lists start with the hazards, protective equipment and inspection checklist a makerspace needs.

The coordinator can add, rename or retire entries in the admin; running this again adds only what is missing.
"""

from django.db import migrations

HAZARDS = [
    ("Heat", "Hot surfaces, nozzles, irons or parts that can burn."),
    ("Fumes", "Smoke, vapours or particles that must not be breathed in."),
    ("Laser radiation", "A laser beam that can harm eyes and skin."),
    ("Moving parts", "Parts that move and can catch fingers, hair or clothing."),
    ("Sharp tools", "Blades, needles or cutters that can cut or puncture."),
    ("Noise", "Sound loud enough to harm hearing over time."),
    ("Electrical", "Live parts or mains power that can shock."),
]
PROTECTIVE_EQUIPMENT = [
    ("Safety glasses", "Impact-rated eye protection."),
    ("Hearing protection", "Ear plugs or ear muffs."),
    ("Gloves", "Gloves suited to the task."),
    ("Respirator", "A fitted respirator for fumes or dust."),
    ("Closed-toe shoes", "Shoes that cover the toes."),
    ("Hair tied back", "Long hair tied back, loose clothing and jewellery secured."),
]
INSPECTION_ITEMS = [
    "First-aid kit stocked",
    "Fire extinguisher tagged",
    "Ventilation running",
    "Emergency stops tested",
    "Guards in place",
    "Floors clear",
]


def seed_managed_lists(apps, schema_editor):
    hazard = apps.get_model("safety", "Hazard")
    protective_equipment = apps.get_model("safety", "ProtectiveEquipment")
    inspection_item = apps.get_model("safety", "InspectionItem")
    for name, description in HAZARDS:
        hazard.objects.get_or_create(name=name, defaults={"description": description})
    for name, description in PROTECTIVE_EQUIPMENT:
        protective_equipment.objects.get_or_create(name=name, defaults={"description": description})
    for position, text in enumerate(INSPECTION_ITEMS, start=1):
        inspection_item.objects.get_or_create(text=text, defaults={"position": position})


class Migration(migrations.Migration):
    dependencies = [("safety", "0001_initial")]

    operations = [migrations.RunPython(seed_managed_lists, migrations.RunPython.noop)]
