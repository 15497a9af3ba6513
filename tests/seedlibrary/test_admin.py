"""The seed library admin: CSV import and export of varieties; tests, packets and lots added through the services."""

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from seedlibrary.models import GerminationTest, Lot, Orientation, Stock, Variety
from tests.factories import (
    GerminationTestFactory,
    LotFactory,
    PatronFactory,
    PlantFamilyFactory,
    StockFactory,
    VarietyFactory,
    lendable_lot,
)

pytestmark = pytest.mark.django_db

HEADER = (
    "slug,common_name,variety_name,botanical_name,family,category,difficulty,difficulty_reason,open_pollinated,"
    "heirloom,days_to_maturity,sow_indoors_weeks_before_frost,direct_sow_weeks_after_frost,sow_in_fall,spacing_cm,"
    "isolation_distance_m,growing_notes,saving_notes,photo_description,viability_years,low_stock_threshold,"
    "is_published\n"
)
GOOD_ROWS = (
    "bean-provider,Bean,Provider,Phaseolus vulgaris,Fabaceae,vegetable,easy,Self-pollinating,1,0,50,,1,0,10,3,"
    "Sow after frost.,Let pods dry on the plant.,,,5,1\n"
    "garlic-music,Garlic,Music,Allium sativum,fabaceae,vegetable,easy,Grown from cloves,1,1,240,,,1,15,,"
    "Plant in October.,Keep the biggest bulbs.,,,5,1\n"
)


def _csv(rows: str) -> SimpleUploadedFile:
    return SimpleUploadedFile("varieties.csv", (HEADER + rows).encode(), content_type="text/csv")


def _csv_format(client) -> str:
    form = client.get(reverse("admin:seedlibrary_variety_import")).context["form"]
    return next(str(value) for value, label in form.fields["format"].choices if "csv" in str(label).lower())


def _import_preview(client, rows: str):
    return client.post(
        reverse("admin:seedlibrary_variety_import"), {"import_file": _csv(rows), "format": _csv_format(client)}
    )


@pytest.fixture
def families(db):
    PlantFamilyFactory(name="Fabaceae", common_name="Pea family", viability_years=3)


def test_the_coordinator_imports_varieties_from_csv(client, coordinator, families):
    client.force_login(coordinator)
    preview = _import_preview(client, GOOD_ROWS)
    assert preview.status_code == 200
    result = preview.context["result"]
    assert not result.has_errors() and not result.has_validation_errors()
    confirm = preview.context["confirm_form"]
    response = client.post(reverse("admin:seedlibrary_variety_process_import"), confirm.initial)
    assert response.status_code == 302
    bean, garlic = Variety.objects.order_by("common_name")
    assert (bean.slug, bean.family.name, bean.direct_sow_weeks_after_frost) == ("bean-provider", "Fabaceae", 1)
    assert garlic.sow_in_fall and garlic.heirloom


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            "squash-x,Squash,X,Cucurbita pepo,Cucurbitaceae,vegetable,easy,,1,0,,,,0,,,,,,,5,1\n",
            "There is no plant family named",
        ),
        ("squash-y,Squash,Y,Cucurbita pepo,Fabaceae,vegetable,trivial,,1,0,,,,0,,,,,,,5,1\n", "is not a valid choice"),
        (
            "squash-z,Squash,<script>alert(1)</script>,Cucurbita,Fabaceae,vegetable,easy,,1,0,,,,0,,,,,,,5,1\n",
            "Write plain text",
        ),
        ("squash-w,Squash,W,Cucurbita pepo,Fabaceae,vegetable,easy,,1,0,-3,,,0,,,,,,,5,1\n", "greater than or equal"),
        ("squash-v,Squash,V,Cucurbita pepo,Fabaceae,vegetable,easy,,1,0,,,-30,0,,,,,,,5,1\n", "greater than or equal"),
    ],
)
def test_bad_csv_rows_are_shown_in_the_preview_and_nothing_is_saved(client, coordinator, families, row, message):
    client.force_login(coordinator)
    response = _import_preview(client, GOOD_ROWS + row)
    assert response.status_code == 200
    assert response.context["result"].has_validation_errors()
    assert message in response.content.decode()
    assert "confirm_form" not in response.context or response.context["confirm_form"] is None
    assert not Variety.objects.exists()


def test_only_the_coordinator_imports_and_assistants_may_look(client, assistant, families):
    VarietyFactory(common_name="Bean")
    client.force_login(assistant)
    assert client.get(reverse("admin:seedlibrary_variety_changelist")).status_code == 200
    assert client.get(reverse("admin:seedlibrary_variety_import")).status_code == 403
    assert client.get(reverse("admin:seedlibrary_lot_changelist")).status_code == 200


def test_the_coordinator_exports_varieties_as_csv(client, coordinator):
    VarietyFactory(common_name="Tomato", variety_name="Brandywine", slug="tomato-brandywine")
    client.force_login(coordinator)
    form = client.get(reverse("admin:seedlibrary_variety_export")).context["form"]
    csv_choice = next(str(v) for v, label in form.fields["format"].choices if "csv" in str(label).lower())
    fields = {name: "on" for name in form.fields if name.startswith("variety")}
    response = client.post(reverse("admin:seedlibrary_variety_export"), {"format": csv_choice, **fields})
    assert response.status_code == 200
    body = response.content.decode()
    assert "tomato-brandywine" in body and "Solanaceae" in body


def test_exported_cells_never_run_as_spreadsheet_formulas(client, coordinator):
    VarietyFactory(common_name="Tomato", variety_name="Brandywine", growing_notes='=HYPERLINK("http://x.example")')
    client.force_login(coordinator)
    form = client.get(reverse("admin:seedlibrary_variety_export")).context["form"]
    csv_choice = next(str(v) for v, label in form.fields["format"].choices if "csv" in str(label).lower())
    fields = {name: "on" for name in form.fields if name.startswith("variety")}
    body = client.post(reverse("admin:seedlibrary_variety_export"), {"format": csv_choice, **fields}).content.decode()
    assert "'=HYPERLINK" in body  # an apostrophe keeps it text
    assert ",=HYPERLINK" not in body and ',"=HYPERLINK' not in body


# --- Tests, packets and lots go through the services ---------------------------------------------------------


def test_a_germination_test_in_the_admin_makes_the_lot_available(client, coordinator):
    lot = LotFactory(status=Lot.Status.TEST_PENDING)
    client.force_login(coordinator)
    today = timezone.localdate()
    response = client.post(
        reverse("admin:seedlibrary_germinationtest_add"),
        {
            "lot": lot.pk,
            "started_on": (today - dt.timedelta(days=10)).isoformat(),
            "counted_on": today.isoformat(),
            "seeds_tested": 20,
            "seeds_sprouted": 17,
        },
        follow=True,
    )
    assert "Test recorded: 85%" in response.content.decode()
    lot.refresh_from_db()
    assert lot.status == Lot.Status.AVAILABLE
    assert GerminationTest.objects.get().recorded_by == coordinator


@pytest.mark.parametrize(
    ("tested", "sprouted", "counted_days_ago", "message"),
    [
        (10, 12, 0, "More seeds cannot sprout than were tested"),
        (10, -1, 0, "greater than or equal to 0"),
        (10, 5, -3, "cannot be in the future"),
    ],
)
def test_a_bad_germination_test_is_explained_and_not_saved(
    client, coordinator, tested, sprouted, counted_days_ago, message
):
    lot = LotFactory(status=Lot.Status.TEST_PENDING)
    client.force_login(coordinator)
    today = timezone.localdate()
    response = client.post(
        reverse("admin:seedlibrary_germinationtest_add"),
        {
            "lot": lot.pk,
            "started_on": (today - dt.timedelta(days=10)).isoformat(),
            "counted_on": (today - dt.timedelta(days=counted_days_ago)).isoformat(),
            "seeds_tested": tested,
            "seeds_sprouted": sprouted,
        },
    )
    assert response.status_code == 400
    assert message in response.content.decode()
    assert not GerminationTest.objects.exists()


def test_germination_tests_and_stock_are_not_edited_afterwards(client, coordinator, branch):
    lot = lendable_lot(branch=branch)
    client.force_login(coordinator)
    test = GerminationTest.objects.get(lot=lot)
    stock = Stock.objects.get(lot=lot)
    response = client.post(reverse("admin:seedlibrary_stock_change", args=[stock.pk]), {"packets": 500})
    assert response.status_code == 403
    client.post(reverse("admin:seedlibrary_germinationtest_change", args=[test.pk]), {"seeds_sprouted": 0})
    stock.refresh_from_db()
    test.refresh_from_db()
    assert (stock.packets, test.seeds_sprouted) == (10, 18)


def test_adding_packets_in_the_admin_adds_to_the_shelf(client, coordinator, branch):
    lot = lendable_lot(branch=branch, packets=4)
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:seedlibrary_stock_add"), {"lot": lot.pk, "branch": branch.pk, "packets": 6}, follow=True
    )
    assert "now has 10 packets" in response.content.decode()
    assert Stock.objects.get(lot=lot, branch=branch).packets == 10


@pytest.mark.parametrize("packets", ["0", "-4", "lots", "100000"])
def test_a_bad_number_of_packets_is_explained(client, coordinator, branch, packets):
    lot = lendable_lot(branch=branch, packets=4)
    client.force_login(coordinator)
    data = {"lot": lot.pk, "branch": branch.pk, "packets": packets}
    response = client.post(reverse("admin:seedlibrary_stock_add"), data)
    assert response.status_code == 400
    assert Stock.objects.get(lot=lot).packets == 4


def test_a_lot_in_quarantine_cannot_be_packed(client, coordinator, branch):
    lot = LotFactory(status=Lot.Status.QUARANTINE)
    client.force_login(coordinator)
    response = client.post(reverse("admin:seedlibrary_stock_add"), {"lot": lot.pk, "branch": branch.pk, "packets": 5})
    assert response.status_code == 400
    assert not Stock.objects.exists()


def test_receiving_a_lot_in_the_admin_puts_it_in_quarantine_with_a_code(client, coordinator):
    variety = VarietyFactory(common_name="Tomato", variety_name="Brandywine")
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:seedlibrary_lot_add"),
        {"variety": variety.pk, "source": "commercial", "donor_name": "Ontario Seed Co.", "harvest_year": 2025},
    )
    lot = Lot.objects.get()
    assert response.status_code == 302
    assert lot.status == Lot.Status.QUARANTINE and lot.code.startswith("TOM-")
    future = client.post(
        reverse("admin:seedlibrary_lot_add"),
        {"variety": variety.pk, "source": "commercial", "harvest_year": timezone.localdate().year + 1},
    )
    assert future.status_code == 400
    assert Lot.objects.count() == 1


def test_lot_actions_end_quarantine_and_retire(client, coordinator):
    waiting, other = LotFactory(status=Lot.Status.QUARANTINE), LotFactory(status=Lot.Status.AVAILABLE)
    client.force_login(coordinator)
    url = reverse("admin:seedlibrary_lot_changelist")
    client.post(url, {"action": "end_quarantine", "_selected_action": [waiting.pk, other.pk]})
    waiting.refresh_from_db()
    other.refresh_from_db()
    assert (waiting.status, other.status) == (Lot.Status.TEST_PENDING, Lot.Status.AVAILABLE)
    client.post(url, {"action": "retire", "_selected_action": [other.pk]})
    other.refresh_from_db()
    assert other.status == Lot.Status.RETIRED


def test_print_labels_action_leads_to_the_label_form(client, coordinator, branch):
    lot = lendable_lot(branch=branch)
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:seedlibrary_lot_changelist"), {"action": "print_labels", "_selected_action": [lot.pk]}
    )
    assert response["Location"] == reverse("admin:seedlibrary_lot_labels", args=[lot.pk])
    page = client.get(response["Location"]).content.decode()
    assert reverse("seed_labels:lot_labels", args=[lot.pk]) in page
    assert 'value="10"' in page  # one label per packet on the shelf


def test_the_lot_page_shows_its_lineage_tests_and_stock(client, coordinator, branch):
    parent = lendable_lot(branch=branch, code="BEAN-PROV-2024-001")
    child = LotFactory(
        variety=parent.variety, parent_lot=parent, generation=2, code="BEAN-PROV-2025-002", donor_patron=PatronFactory()
    )
    GerminationTestFactory(lot=child, seeds_tested=10, seeds_sprouted=9)
    StockFactory(lot=child, branch=branch, packets=7)
    client.force_login(coordinator)
    page = client.get(reverse("admin:seedlibrary_lot_change", args=[child.pk])).content.decode()
    assert "Generation 2 of" in page and "BEAN-PROV-2024-001" in page
    assert "90%" in page and ">7<" in page
    parent_page = client.get(reverse("admin:seedlibrary_lot_change", args=[parent.pk])).content.decode()
    assert "Grown from it:" in parent_page and "BEAN-PROV-2025-002" in parent_page


def test_an_orientation_in_the_admin_goes_through_the_service(client, coordinator):
    patron = PatronFactory()
    client.force_login(coordinator)
    response = client.post(
        reverse("admin:seedlibrary_orientation_add"),
        {"card_number": patron.card_number, "on": timezone.localdate().isoformat()},
    )
    assert response.status_code == 302
    assert Orientation.objects.get().patron == patron


@pytest.mark.parametrize(
    "name",
    ["plantfamily", "variety", "lot", "germinationtest", "stock", "orientation", "seedrequest", "loan"],
)
def test_every_admin_list_and_add_page_opens(client, coordinator, branch, name):
    lendable_lot(branch=branch)
    client.force_login(coordinator)
    assert client.get(reverse(f"admin:seedlibrary_{name}_changelist")).status_code == 200
    assert client.get(reverse(f"admin:seedlibrary_{name}_changelist"), {"q": "<script>"}).status_code == 200
