"""The coordinator's displays in the admin: photos checked and resized like program pictures, alt text required,
files removed with their photo, what the display features chosen, and bad input refused on the form."""

import html

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from promotion.models import Display, DisplayPhoto
from tests.factories import EquipmentFactory, ProgramFactory, StaffMemberFactory
from tests.programs.test_selling import png_claiming
from tests.promotion.conftest import stored_files
from tests.promotion.displays import ADD_URL, admin_form, central, change_url, display_make, new_display_fields, photo

pytestmark = pytest.mark.django_db


def photo_row(upload, alt="A 3D-printed bridge on the display case", index=0) -> dict:
    return {f"photos-{index}-image": upload, f"photos-{index}-alt_text": alt, f"photos-{index}-position": "0"}


def test_a_display_is_added_with_a_photo_resized_into_renditions_and_what_it_features(coordinator_client, media):
    branch = central()
    printer = EquipmentFactory(name="Prusa MK4 3D printer", branch=branch)
    program = ProgramFactory(title="Family 3D design", branch=branch)
    person = StaffMemberFactory()
    data = admin_form(
        coordinator_client,
        ADD_URL,
        **new_display_fields(branch),
        equipment=[printer.pk],
        programs=[program.pk],
        set_up_by=[person.pk],
        **photo_row(photo(1600, 1000)),
    )
    response = coordinator_client.post(ADD_URL, data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    display = Display.objects.get()
    assert list(display.equipment.all()) == [printer] and list(display.programs.all()) == [program]
    assert list(display.set_up_by.all()) == [person]
    [saved] = display.photos.all()
    assert saved.alt_text == "A 3D-printed bridge on the display case"
    assert [(r["width"], r["height"]) for r in saved.renditions] == [(400, 250), (1200, 750)]
    for rendition in saved.renditions:
        with default_storage.open(rendition["name"]) as stored:
            assert Image.open(stored).format == "WEBP"
    assert len(stored_files(media)) == 3


def test_the_admin_chooses_what_a_display_features_by_searching(coordinator_client):
    page = coordinator_client.get(ADD_URL).content.decode()
    for field in ("equipment", "programs", "set_up_by"):
        assert f'id="id_{field}"' in page and "admin-autocomplete" in page


def test_deleting_a_photo_or_the_display_removes_the_files(
    coordinator_client, media, django_capture_on_commit_callbacks
):
    branch = central()
    data = admin_form(
        coordinator_client, ADD_URL, **new_display_fields(branch), **photo_row(photo()), **photo_row(photo(), index=1)
    )
    data["photos-TOTAL_FORMS"] = "2"
    assert coordinator_client.post(ADD_URL, data).status_code == 302
    display = Display.objects.get()
    assert len(stored_files(media)) == 6
    first = display.photos.order_by("pk").first()
    data = admin_form(coordinator_client, change_url(display), **{"photos-0-DELETE": "on"})
    with django_capture_on_commit_callbacks(execute=True):
        assert coordinator_client.post(change_url(display), data).status_code == 302
    assert not DisplayPhoto.objects.filter(pk=first.pk).exists()
    assert len(stored_files(media)) == 3 and first.image.name not in stored_files(media)
    with django_capture_on_commit_callbacks(execute=True):
        response = coordinator_client.post(f"/admin/promotion/display/{display.pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not Display.objects.exists() and stored_files(media) == []


def test_replacing_a_photo_removes_the_old_files(coordinator_client, media, django_capture_on_commit_callbacks):
    branch = central()
    coordinator_client.post(
        ADD_URL, admin_form(coordinator_client, ADD_URL, **new_display_fields(branch), **photo_row(photo()))
    )
    display = Display.objects.get()
    before = display.photos.get().image.name
    data = admin_form(coordinator_client, change_url(display), **{"photos-0-image": photo(800, 800, name="two.jpg")})
    with django_capture_on_commit_callbacks(execute=True):  # the old files go once the change is committed
        assert coordinator_client.post(change_url(display), data).status_code == 302
    after = display.photos.get()
    assert after.image.name != before and before not in stored_files(media)
    assert [(r["width"], r["height"]) for r in after.renditions] == [(400, 400), (800, 800)]
    assert len(stored_files(media)) == 3


def text_file() -> SimpleUploadedFile:
    return SimpleUploadedFile("notes.jpg", b"These are not pixels.\n" * 50, content_type="image/jpeg")


def too_heavy() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.jpg", b"\xff" * (11 * 1024 * 1024), content_type="image/jpeg")


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (lambda: photo_row(text_file()), "This file is not a picture we can read. Please upload a JPEG, PNG or WebP"),
        (lambda: photo_row(png_claiming(30_000, 30_000)), "This picture is too large: at most 10,000 pixels wide"),
        (lambda: photo_row(too_heavy()), "This file is larger than 10 MB. Please upload a smaller photo."),
        (
            lambda: photo_row(photo(), alt="   "),
            "Say in a few words what the photo shows, for people who cannot see it",
        ),
        (lambda: {"photos-0-alt_text": "A photo with no file", "photos-0-position": "1"}, "Choose a photo to upload"),
        (lambda: {"ends_on": "2026-01-01", "starts_on": "2026-02-01"}, "The last day cannot be before the first day."),
        (lambda: {"starts_on": "99999-01-01"}, "Enter a valid date."),
        (lambda: {"ends_on": "tomorrow"}, "Enter a valid date."),
        (lambda: {"branch": "999999"}, "Select a valid choice."),
        (lambda: {"title": ""}, "This field is required."),
    ],
    ids=[
        "text-as-photo",
        "huge-dimensions",
        "too-heavy",
        "photo-without-alt",
        "alt-without-photo",
        "ends-before-start",
        "year-99999",
        "words-for-date",
        "unknown-branch",
        "no-title",
    ],
)
def test_bad_input_is_refused_on_the_form_and_nothing_saved(coordinator_client, media, changes, message):
    branch = central()
    data = admin_form(coordinator_client, ADD_URL, **{**new_display_fields(branch), **changes()})
    response = coordinator_client.post(ADD_URL, data)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    assert not Display.objects.exists() and not DisplayPhoto.objects.exists()
    assert stored_files(media) == []


def test_a_change_with_the_dates_reversed_is_refused_and_the_display_unchanged(coordinator_client):
    display = display_make(title="Printed this fall")
    changes = {"title": "A new title", "starts_on": "2026-12-20", "ends_on": "2026-12-01"}
    data = admin_form(coordinator_client, change_url(display))
    data.update(changes)
    response = coordinator_client.post(change_url(display), data)
    assert response.status_code == 200
    assert response.context["adminform"].form.errors.as_data()["ends_on"][0].code == "ends_before_start"
    display.refresh_from_db()
    assert display.title == "Printed this fall"


@pytest.mark.parametrize(
    "query",
    ["when=now", "when=coming", "when=past", "is_published__exact=0", "starts_on__year=2026", "q=printed"],
)
def test_the_list_filters_and_searches(coordinator_client, query):
    display_make(title="Printed this fall", days=(-5, 20))
    display_make(title="Lanterns", days=(30, 60), published=False)
    display_make(title="Seeds", days=(-90, -40))
    response = coordinator_client.get(f"/admin/promotion/display/?{query}")
    assert response.status_code == 200
    shown = {row.title for row in response.context["cl"].result_list}
    expected = {
        "when=now": {"Printed this fall"},
        "when=coming": {"Lanterns"},
        "when=past": {"Seeds"},
        "is_published__exact=0": {"Lanterns"},
        "q=printed": {"Printed this fall"},
    }
    if query in expected:
        assert shown == expected[query]
    if query == "when=now":
        assert '<td class="field-when">On now</td>' in response.content.decode()


@pytest.mark.parametrize("query", ["starts_on__year=99999", "branch__id__exact=abc", "when=%00", "q=%00"])
def test_impossible_filters_never_answer_500(coordinator_client, query):
    display_make()
    assert coordinator_client.get(f"/admin/promotion/display/?{query}").status_code in (200, 302)
