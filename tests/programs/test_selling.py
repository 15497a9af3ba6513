"""Program pages that sell: the list's excerpt, badges and Register buttons; a program's own calendar file
and share section; a program's image, uploaded in the admin and shown in renditions."""

import datetime as dt
import html
import io
import re
import struct
import zlib

import icalendar
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from PIL import Image, ImageFile

from makerlab.pdf import html_to_pdf
from programs.models import Audience, Category, Program
from programs.services import term
from programs.services.registration import ParticipantDetails, registration_create
from tests.factories import ProgramFactory, with_sessions
from tests.programs.test_views import cancel_session, details, programs_at_scale

LONG_DESCRIPTION = (
    "Sew a tote bag from an old T-shirt. We show you how to thread the machine, pin the pieces and sew "
    "a straight seam, then you take your bag home. Bring a T-shirt you no longer wear; we have spares "
    "and all the thread you need."
)


def list_items(response) -> dict[str, str]:
    """Each list item's HTML, by program title."""
    found = {}
    for item in re.split(r'<li class="border-bottom py-3 program-item">', response.content.decode())[1:]:
        found[re.search(r"<h3[^>]*><a [^>]*>([^<]+)</a>", item).group(1)] = item
    return found


def childrens_program(**fields) -> Program:
    return with_sessions(
        ProgramFactory(audience=Audience.CHILDREN, category=Category.CRAFTS, min_age=6, max_age=10, **fields)
    )


# --- The list ------------------------------------------------------------------------------------------------


def test_list_shows_the_descriptions_opening_cut_at_a_word(client, db):
    with_sessions(ProgramFactory(title="Tote bags", slug="tote-bags", description=LONG_DESCRIPTION))
    with_sessions(ProgramFactory(title="Short", slug="short", description="Build games in Python.\n\nSix weeks."))
    items = list_items(client.get(reverse("programs:list")))
    tote = items["Tote bags"]
    opening = " ".join(LONG_DESCRIPTION.split()[:30])
    assert opening.endswith("take your bag home.")
    assert f"{opening.removesuffix('.')}…</p>" in tote  # never ".…"
    assert "spares" not in tote  # the rest waits for the program page
    assert "Build games in Python. Six weeks." in items["Short"]
    assert "…" not in items["Short"]


def test_list_shows_audience_and_category_badges_in_words(client, db):
    childrens_program(title="Little makers", slug="little-makers")
    item = list_items(client.get(reverse("programs:list")))["Little makers"]
    assert '<span class="visually-hidden">Who it is for: </span>Children, ages 6 to 10</span>' in item
    assert '<span class="visually-hidden">Kind of program: </span>Crafts</span>' in item


def test_list_offers_register_join_the_waitlist_or_nothing(client, db):
    open_program = childrens_program(title="Open", slug="open", capacity=5)
    waitlist = childrens_program(title="Waiting", slug="waiting", capacity=1, waitlist_capacity=1)
    registration_create(program=waitlist, details=details(1))
    full = childrens_program(title="Full up", slug="full-up", capacity=1, waitlist_capacity=1)
    registration_create(program=full, details=details(2))
    registration_create(program=full, details=details(3), waitlist_ok=True)
    drop_in = with_sessions(ProgramFactory(title="Drop by", slug="drop-by", registration_required=False))
    later = with_sessions(
        ProgramFactory(title="Not yet", slug="not-yet", registration_opens_at=timezone.now() + dt.timedelta(days=1))
    )
    items = list_items(client.get(reverse("programs:list")))

    def register_link(program):
        return f'href="{reverse("programs:register", args=[program.slug])}"'

    assert register_link(open_program) in items["Open"]
    assert 'Register<span class="visually-hidden"> for Open</span></a>' in items["Open"]
    assert register_link(waitlist) in items["Waiting"]
    assert 'Join the waitlist<span class="visually-hidden"> for Waiting</span></a>' in items["Waiting"]
    assert register_link(full) not in items["Full up"] and "Full" in items["Full up"]
    assert register_link(drop_in) not in items["Drop by"]
    assert "Drop in, no registration" in items["Drop by"]
    assert register_link(later) not in items["Not yet"] and "Registration opens" in items["Not yet"]


def test_list_query_budget_is_the_same_at_two_sizes(client, db):
    programs_at_scale(2)
    for program in Program.objects.all():
        with_picture(program)
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("programs:list")).status_code == 200
    programs_at_scale(12)
    for program in Program.objects.all():
        with_picture(program)
    with CaptureQueriesContext(connection) as large:
        response = client.get(reverse("programs:list"))
    page = response.content.decode()
    assert page.count("Register<span") == 14 and page.count('class="program-thumb') == 14
    assert len(small) == len(large) <= 5, [q["sql"] for q in large.captured_queries]


# --- A program's own calendar file and share section ---------------------------------------------------------


def test_a_programs_calendar_file_has_only_its_sessions_with_cancelled_ones_marked(client, db):
    kids = childrens_program(title="Little makers", slug="little-makers")
    with_sessions(kids, days=(10, 17))
    with_sessions(ProgramFactory(title="Teen coding", slug="teen-coding"), days=(4,))
    cancelled = cancel_session(kids.sessions.order_by("starts_at").last())
    page = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    url = reverse("programs:program_calendar", args=[kids.slug])
    assert f'<a href="{url}">Add these sessions to your calendar</a>' in page

    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "text/calendar; charset=utf-8"
    assert response["Content-Disposition"] == 'attachment; filename="little-makers.ics"'
    calendar = icalendar.Calendar.from_ical(response.content)
    assert str(calendar["x-wr-calname"]).startswith("Little makers, ")
    events = calendar.walk("VEVENT")
    assert [str(event["summary"]) for event in events] == ["Little makers"] * 3
    assert [event.decoded("dtstart") for event in events] == [
        session.starts_at for session in kids.sessions.order_by("starts_at")
    ]
    cancelled_starts = [event.decoded("dtstart") for event in events if event.get("status") == "CANCELLED"]
    assert cancelled_starts == [cancelled.starts_at]


def test_a_programs_calendar_file_is_404_for_unknown_or_unpublished_programs(client, db):
    hidden = with_sessions(ProgramFactory(slug="hidden", is_published=False))
    assert client.get(reverse("programs:program_calendar", args=[hidden.slug])).status_code == 404
    assert client.get(reverse("programs:program_calendar", args=["nope"])).status_code == 404
    empty = ProgramFactory(slug="no-dates-yet")
    response = client.get(reverse("programs:program_calendar", args=[empty.slug]))
    assert response.status_code == 200 and icalendar.Calendar.from_ical(response.content).walk("VEVENT") == []


def test_a_fully_cancelled_program_offers_no_calendar_file(client, db):
    kids = childrens_program(title="Little makers", slug="little-makers")
    for session in kids.sessions.all():
        cancel_session(session)
    page = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    assert reverse("programs:program_calendar", args=[kids.slug]) not in page


def test_program_page_shares_its_address_to_copy_or_email(client, db, settings):
    settings.SITE_URL = "https://makerlab.example.org/"
    kids = childrens_program(title="Little makers & friends", slug="little-makers")
    page = client.get(reverse("programs:program", args=[kids.slug])).content.decode()
    address = "https://makerlab.example.org/programs/little-makers/"
    assert '<h2 class="h4" id="share-heading">Share</h2>' in page
    assert f'<input class="form-control" type="url" id="share-link" value="{address}" readonly>' in page
    # The button needs JavaScript, so it is hidden until copy-text.js shows it.
    assert 'data-copy="share-link" data-copy-status="share-status"' in page
    assert "hidden>Copy link</button>" in page
    assert '<script src="/static/js/copy-text.js" defer></script>' in page
    assert (
        '<a href="mailto:?subject=Little%20makers%20%26%20friends'
        "&amp;body=Little%20makers%20%26%20friends%20at%20the%20" in page
    )
    assert '%3A%0Ahttps%3A%2F%2Fmakerlab.example.org%2Fprograms%2Flittle-makers%2F">Email this program</a>' in page


def test_program_page_query_budget_is_the_same_at_two_sizes(client, db):
    program = with_picture(programs_at_scale(1))
    with CaptureQueriesContext(connection) as small:
        assert client.get(reverse("programs:program", args=[program.slug])).status_code == 200
    with_sessions(program, days=range(12, 30))
    for n in range(2, 6):
        registration_create(program=program, details=details(n, ParticipantDetails(first_name="T", age=14)))
    with CaptureQueriesContext(connection) as large:
        assert client.get(reverse("programs:program", args=[program.slug])).status_code == 200
    assert len(small) == len(large) <= 3, [q["sql"] for q in large.captured_queries]


def test_program_calendar_file_query_budget_is_the_same_at_two_sizes(client, db):
    program = programs_at_scale(1)
    url = reverse("programs:program_calendar", args=[program.slug])
    with CaptureQueriesContext(connection) as small:
        assert client.get(url).status_code == 200
    with_sessions(program, days=range(12, 30))
    with CaptureQueriesContext(connection) as large:
        assert client.get(url).status_code == 200
    assert len(small) == len(large) <= 1


# --- A program's picture ---------------------------------------------------------------------------------------


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


@pytest.fixture
def coordinator_client(client, coordinator):
    client.force_login(coordinator)
    return client


def photo(width=1600, height=900, *, kind="JPEG", name="workshop.jpg", mode="RGB") -> SimpleUploadedFile:
    encoded = io.BytesIO()
    Image.new(mode, (width, height), "#2a7f62").save(encoded, kind)
    return SimpleUploadedFile(name, encoded.getvalue(), content_type=f"image/{kind.lower()}")


def png_claiming(width: int, height: int) -> SimpleUploadedFile:
    """A PNG whose header claims a size its few bytes never hold: cheap to send, costly to decode."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    data = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", zlib.compress(b"\0" * 64))
    return SimpleUploadedFile("huge.png", data + chunk(b"IEND", b""), content_type="image/png")


def change_url(program) -> str:
    return f"/admin/programs/program/{program.pk}/change/"


def change_form(client, program, **changes) -> dict:
    """The program's admin change form as the browser would post it, with ``changes``."""
    page = client.get(change_url(program))
    form = page.context["adminform"].form
    data = {name: form[name].value() for name in form.fields if form[name].value() not in (None, False)}
    data = {name: ("on" if value is True else value) for name, value in data.items()}
    data.pop("image", None)
    formset = page.context["inline_admin_formsets"][0].formset
    data.update({f"{formset.prefix}-{key}": value for key, value in formset.management_form.initial.items()})
    for index, session in enumerate(program.sessions.order_by("starts_at")):
        starts, ends = timezone.localtime(session.starts_at), timezone.localtime(session.ends_at)
        data.update(
            {
                f"{formset.prefix}-{index}-id": session.pk,
                f"{formset.prefix}-{index}-program": program.pk,
                f"{formset.prefix}-{index}-starts_at_0": f"{starts:%Y-%m-%d}",
                f"{formset.prefix}-{index}-starts_at_1": f"{starts:%H:%M:%S}",
                f"{formset.prefix}-{index}-ends_at_0": f"{ends:%Y-%m-%d}",
                f"{formset.prefix}-{index}-ends_at_1": f"{ends:%H:%M:%S}",
            }
        )
    data.update(changes)
    return data


def stored_files(media) -> list[str]:
    return sorted(str(path.relative_to(media)) for path in media.rglob("*") if path.is_file()) if media.exists() else []


def test_the_admin_makes_renditions_of_an_uploaded_picture(coordinator_client, media):
    program = childrens_program(title="Little makers", slug="little-makers")
    data = change_form(coordinator_client, program, image=photo(1600, 900), image_alt="Children sewing a tote bag")
    response = coordinator_client.post(change_url(program), data)
    assert response.status_code == 302, response.context["adminform"].form.errors
    program.refresh_from_db()
    assert program.image.name.startswith("programs/images/") and program.image_alt == "Children sewing a tote bag"
    sizes = [(r["width"], r["height"]) for r in program.image_renditions]
    assert sizes == [(400, 225), (1200, 675)]
    for rendition in program.image_renditions:
        with default_storage.open(rendition["name"]) as stored:
            image = Image.open(stored)
            assert (image.format, image.size) == ("WEBP", (rendition["width"], rendition["height"]))
    assert len(stored_files(media)) == 3


def test_a_small_picture_is_not_blown_up_and_a_phone_photo_stands_upright(coordinator_client, media):
    program = childrens_program(title="Little makers", slug="little-makers")
    encoded = io.BytesIO()
    exif = Image.Exif()
    exif[0x0112] = 6  # the camera was turned: the picture is shown rotated a quarter turn
    Image.new("RGB", (600, 300), "#2a7f62").save(encoded, "JPEG", exif=exif)
    upload = SimpleUploadedFile("phone.jpg", encoded.getvalue(), content_type="image/jpeg")
    data = change_form(coordinator_client, program, image=upload, image_alt="A tote bag")
    assert coordinator_client.post(change_url(program), data).status_code == 302
    program.refresh_from_db()
    assert [(r["width"], r["height"]) for r in program.image_renditions] == [(300, 600), (300, 600)]


def test_a_picture_without_alt_text_is_refused_and_nothing_saved(coordinator_client, media):
    program = childrens_program(title="Little makers", slug="little-makers")
    data = change_form(coordinator_client, program, image=photo(), image_alt="   ", title="A new title")
    response = coordinator_client.post(change_url(program), data)
    assert response.status_code == 200
    assert "Say in a few words what the picture shows, for people who cannot see it" in response.content.decode()
    assert response.context["adminform"].form.errors["image_alt"]
    program.refresh_from_db()
    assert (program.title, program.image.name, program.image_renditions) == ("Little makers", "", [])
    assert stored_files(media) == []


def test_the_database_refuses_a_picture_without_alt_text(db):
    program = childrens_program(title="Little makers", slug="little-makers")
    with pytest.raises(IntegrityError), transaction.atomic():
        Program.objects.filter(pk=program.pk).update(image="programs/images/x.jpg", image_alt="")


def too_heavy() -> SimpleUploadedFile:
    return SimpleUploadedFile("big.jpg", b"\xff" * (11 * 1024 * 1024), content_type="image/jpeg")


def truncated_jpeg() -> SimpleUploadedFile:
    whole = photo(800, 600).read()
    return SimpleUploadedFile("cut.jpg", whole[: len(whole) // 3], content_type="image/jpeg")


@pytest.mark.parametrize(
    ("upload", "message"),
    [
        (
            lambda: SimpleUploadedFile("notes.jpg", b"These are not pixels.\n" * 50, content_type="image/jpeg"),
            "This file is not a picture we can read. Please upload a JPEG, PNG or WebP photo.",
        ),
        (truncated_jpeg, "This file is not a picture we can read."),
        (lambda: png_claiming(30_000, 30_000), "This picture is too large: at most 10,000 pixels wide or high"),
        (lambda: png_claiming(12_000, 100), "This picture is too large: at most 10,000 pixels wide or high"),
        (lambda: png_claiming(9_000, 5_000), "and 40 megapixels in all. Please resize it and upload it again."),
        (lambda: photo(kind="GIF", name="moving.gif", mode="P"), "this file is a GIF picture."),
        (too_heavy, "This file is larger than 10 MB. Please upload a smaller photo."),
    ],
    ids=["text-renamed-jpg", "truncated", "bomb", "too-wide", "too-many-pixels", "gif", "too-heavy"],
)
def test_a_hostile_or_unsuitable_upload_is_refused_with_a_message(coordinator_client, media, upload, message):
    program = childrens_program(title="Little makers", slug="little-makers")
    data = change_form(coordinator_client, program, image=upload(), image_alt="Something", title="A new title")
    response = coordinator_client.post(change_url(program), data)
    assert response.status_code == 200
    assert message in html.unescape(response.content.decode())
    program.refresh_from_db()
    assert (program.title, program.image.name) == ("Little makers", "")
    assert stored_files(media) == []


def test_replacing_or_removing_the_picture_removes_the_old_files(coordinator_client, media):
    program = childrens_program(title="Little makers", slug="little-makers")
    post = coordinator_client.post
    post(change_url(program), change_form(coordinator_client, program, image=photo(), image_alt="One"))
    program.refresh_from_db()
    first = program.image.name
    post(
        change_url(program),
        change_form(coordinator_client, program, image=photo(800, 800, name="two.jpg"), image_alt="Two"),
    )
    program.refresh_from_db()
    assert program.image.name != first and len(stored_files(media)) == 3
    assert first not in stored_files(media)
    data = change_form(coordinator_client, program, **{"image-clear": "on", "image_alt": ""})
    assert post(change_url(program), data).status_code == 302
    program.refresh_from_db()
    assert (program.image.name, program.image_renditions) == ("", [])
    assert stored_files(media) == []


def test_a_copy_for_a_new_term_keeps_the_picture_when_the_original_changes(coordinator_client, media):
    program = childrens_program(title="Little makers", slug="little-makers")
    coordinator_client.post(change_url(program), change_form(coordinator_client, program, image=photo(), image_alt="A"))
    program.refresh_from_db()
    copy = term.program_duplicate(program=program, weeks=12)
    data = change_form(coordinator_client, program, **{"image-clear": "on", "image_alt": ""})
    assert coordinator_client.post(change_url(program), data).status_code == 302
    copy.refresh_from_db()
    assert copy.image.name and len(stored_files(media)) == 3
    assert all(default_storage.exists(r["name"]) for r in copy.image_renditions)


def with_picture(program: Program, alt="Children sewing a tote bag") -> Program:
    """A picture as the admin records it (the files themselves are not needed to render the pages)."""
    Program.objects.filter(pk=program.pk).update(
        image=f"programs/images/2026/{program.slug}.jpg",
        image_alt=alt,
        image_renditions=[
            {"width": 400, "height": 225, "name": f"programs/images/2026/renditions/{program.slug}-400w.webp"},
            {"width": 1200, "height": 675, "name": f"programs/images/2026/renditions/{program.slug}-1200w.webp"},
        ],
    )
    program.refresh_from_db()
    return program


def test_the_list_shows_a_thumbnail_and_the_page_the_picture(client, db):
    program = with_picture(childrens_program(title="Little makers", slug="little-makers"))
    childrens_program(title="No picture", slug="no-picture")
    items = list_items(client.get(reverse("programs:list")))
    small = "/media/programs/images/2026/renditions/little-makers-400w.webp"
    large = "/media/programs/images/2026/renditions/little-makers-1200w.webp"
    assert (
        f'<img class="program-thumb rounded" src="{small}" width="400" height="225" '
        'alt="Children sewing a tote bag" loading="lazy">'
    ) in items["Little makers"]
    assert "<img" not in items["No picture"]
    page = client.get(reverse("programs:program", args=[program.slug])).content.decode()
    assert (
        f'<img class="program-picture img-fluid rounded mb-3" src="{large}" srcset="{small} 400w, {large} 1200w" '
        'sizes="(min-width: 768px) 40rem, 100vw" width="1200" height="675" alt="Children sewing a tote bag">'
    ) in page
    assert "<img" not in client.get(reverse("programs:program", args=["no-picture"])).content.decode()


@pytest.mark.django_db
def test_the_demo_shows_pictures_excerpts_badges_and_register_buttons(client, demo):
    pictured = Program.objects.exclude(image="").order_by("slug")
    assert [program.slug for program in pictured] == ["family-3d-design", "sewing-basics", "teen-coding-club"]
    for program in pictured:
        assert program.image_alt.startswith("Drawing of ")
        assert [r["width"] for r in program.image_renditions] == [400, 1200]
    page = client.get(reverse("programs:list")).content.decode()
    assert page.count('class="program-thumb rounded"') == 3
    assert 'Join the waitlist<span class="visually-hidden"> for Teen coding club</span>' in page
    assert "Kind of program: </span>Textiles</span>" in page
    calendar = client.get(reverse("programs:program_calendar", args=["sewing-basics"]))
    assert len(icalendar.Calendar.from_ical(calendar.content).walk("VEVENT")) == 3


def test_a_truncated_photo_is_refused_after_a_pdf_was_printed_in_the_same_process(coordinator_client, media):
    """WeasyPrint tells Pillow to accept truncated images process-wide: an upload is still decoded in full."""
    html_to_pdf("<p>A poster</p>", what="a test page")
    assert ImageFile.LOAD_TRUNCATED_IMAGES
    program = childrens_program(title="Little makers", slug="little-makers")
    data = change_form(coordinator_client, program, image=truncated_jpeg(), image_alt="Something", title="New")
    response = coordinator_client.post(change_url(program), data)
    assert response.status_code == 200
    assert "This file is not a picture we can read." in html.unescape(response.content.decode())
    assert ImageFile.LOAD_TRUNCATED_IMAGES
