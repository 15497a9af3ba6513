"""The seed desk in Chromium: an assistant fills an online request, records a return linked to the lot the
patron borrowed, lends at the desk, records an orientation and reads the report; axe on every page."""

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from makerlab.cards import card_number_make
from seedlibrary import services
from seedlibrary.models import Loan, Lot, SeedRequest, Stock
from tests.conftest import PASSWORD
from tests.factories import BranchFactory, OrientationFactory, PatronFactory, UserFactory, VarietyFactory, lendable_lot

pytestmark = pytest.mark.browser


@pytest.fixture
def desk_data(transactional_db):
    UserFactory(username="assistant", is_staff=True, role="Library assistant")
    branch = BranchFactory(name="Central Library", slug="central")
    patron = PatronFactory(first_name="Doris", last_name="Campbell")
    OrientationFactory(patron=patron)
    tomatoes = lendable_lot(
        branch=branch, packets=5, variety=VarietyFactory(common_name="Tomato", variety_name="Brandywine")
    )
    beans = lendable_lot(branch=branch, packets=5, variety=VarietyFactory(common_name="Bean", variety_name="Provider"))
    peas = lendable_lot(branch=branch, packets=5, variety=VarietyFactory(common_name="Pea", variety_name="Lincoln"))
    seed_request = services.seed_request_create(
        card_number=patron.card_number,
        email="doris@example.net",
        branch=branch,
        varieties=[tomatoes.variety, beans.variety],
        now=timezone.now(),
    )
    return {"patron": patron, "tomatoes": tomatoes, "beans": beans, "peas": peas, "request": seed_request}


def log_in(page) -> None:
    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto("/accounts/login/")
    page.get_by_label("Username").fill("assistant")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("button", name="Log out")).to_be_visible()


def test_assistant_fills_a_request_and_records_the_return_of_its_seed(page, desk_data, assert_accessible):
    patron, tomatoes = desk_data["patron"], desk_data["tomatoes"]
    log_in(page)

    page.goto("/staff/seeds/")
    page.get_by_role("navigation", name="Seed desk").get_by_role("link", name="Online requests").click()
    expect(page.get_by_role("heading", name="Online requests to fill")).to_be_visible()
    expect(page.get_by_text(f"Tomato 'Brandywine': lot {tomatoes.code}")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("button", name="Set aside the request from Doris Campbell").click()
    expect(page.get_by_text("Request from Doris Campbell: set aside")).to_be_visible()
    expect(page.get_by_role("cell", name="Ready for pickup")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("button", name="Picked up by Doris Campbell").click()
    expect(page.get_by_text("picked up; the packets are lent")).to_be_visible()
    expect(page.get_by_text("No online requests are waiting")).to_be_visible()
    desk_data["request"].refresh_from_db()
    assert desk_data["request"].status == SeedRequest.Status.PICKED_UP

    page.get_by_role("navigation", name="Seed desk").get_by_role("link", name="Returns").click()
    page.get_by_label("Library card number").fill(patron.card_number)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name="Return from Doris Campbell")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name=f"record a return of this ({tomatoes.code})").click()
    expect(page.get_by_label("Grown from the lot they borrowed")).to_have_value(str(tomatoes.pk))
    expect(page.get_by_role("combobox", name="Variety")).to_have_value(str(tomatoes.variety_id))
    page.get_by_label("Amount (optional)").fill("2 envelopes")
    page.get_by_label("Grower's notes (optional)").fill("Saved from the three best plants.")
    page.get_by_role("radio", name="Yes").check()
    page.get_by_role("button", name="Record the return").click()
    returned = Lot.objects.get(source=Lot.Source.PATRON_RETURN)
    expect(page.get_by_text(f"Recorded lot {returned.code}")).to_be_visible()
    expect(page.get_by_text(f"generation 2 of lot {tomatoes.code}")).to_be_visible()
    assert_accessible(page)
    assert (returned.parent_lot_id, returned.generation, returned.donor_patron_id) == (tomatoes.pk, 2, patron.pk)


def test_assistant_lends_at_the_desk_records_an_orientation_and_reads_the_report(page, desk_data, assert_accessible):
    peas = desk_data["peas"]
    log_in(page)

    page.goto("/staff/desk/")
    page.get_by_role("navigation", name="Staff area").get_by_role("link", name="Seed desk").click()
    expect(page.get_by_role("heading", name="Lend packets")).to_be_visible()
    assert_accessible(page)
    newcomer = PatronFactory.build()
    page.get_by_label("Library card number").fill(newcomer.card_number)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_text("No patron has this library card")).to_be_visible()
    assert_accessible(page)

    page.get_by_role("navigation", name="Seed desk").get_by_role("link", name="Orientation").click()
    assert_accessible(page)
    page.get_by_label("Library card number").fill(newcomer.card_number)
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_text("The library has not seen this card before.")).to_be_visible()
    assert_accessible(page)
    page.get_by_label("First name").fill("Mei")
    page.get_by_label("Last name").fill("Chen")
    page.get_by_role("button", name="Record the orientation").click()
    expect(page.get_by_text("Mei Chen has the seed-saving orientation")).to_be_visible()
    expect(page.get_by_text("0 of 10 used; 10 left")).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Pea 'Lincoln'").check()
    page.get_by_role("button", name="Lend the chosen packets").click()
    expect(page.get_by_text(f"Lent 1 packet to Mei Chen: Pea 'Lincoln' (lot {peas.code})")).to_be_visible()
    expect(page.get_by_text("1 of 10 used; 9 left")).to_be_visible()
    assert Stock.objects.get(lot=peas).packets == 4
    assert Loan.objects.filter(patron__first_name="Mei", status=Loan.Status.LENT).count() == 1

    page.get_by_role("navigation", name="Seed desk").get_by_role("link", name="Season report").click()
    expect(page.get_by_role("heading", name="The season at a glance")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("spinbutton", name="Season").fill("1850")
    page.get_by_role("button", name="Show the report").click()
    expect(page.get_by_text("Showing the")).to_be_visible()
    assert_accessible(page)


def test_an_orientation_for_a_patron_on_file_needs_only_their_card(page, desk_data, assert_accessible):
    card = card_number_make(4242)
    PatronFactory(first_name="Harold", last_name="Fraser", email="harold@example.net", card_number=card)
    log_in(page)
    page.goto("/staff/seeds/orientation/")
    page.get_by_label("Library card number").fill(" ".join(card[i : i + 4] for i in range(0, len(card), 4)))
    page.get_by_role("button", name="Look up").click()
    expect(page.get_by_role("heading", name="Harold Fraser")).to_be_visible()
    expect(page.get_by_text("harold@example.net")).to_be_visible()
    expect(page.get_by_label("First name")).to_have_count(0)
    assert_accessible(page)
    page.set_viewport_size({"width": 390, "height": 844})
    assert_accessible(page)
    page.get_by_role("button", name="Record the orientation for Harold Fraser").click()
    expect(page.get_by_text("Harold Fraser has the seed-saving orientation")).to_be_visible()
    expect(page.get_by_text("0 of 10 used; 10 left")).to_be_visible()
    assert_accessible(page)
