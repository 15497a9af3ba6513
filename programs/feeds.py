"""The programs to come as feeds a feed reader follows: RSS 2.0 and Atom 1.0 (Django's syndication framework) and
JSON Feed 1.1, narrowed by the calendar's own filters (``programs.filters.ProgramFilter``).

An item is a program, as on the calendar: its next session, where, who it is for and whether there is room. Its id
is a tag URI made of the program's number and the day it was created, so a reader never shows it twice, whatever
becomes of its title or address. A filter the calendar cannot read is refused with a 400 that says which one: a
reader subscribed to a mistyped address is told, rather than given every program.
"""

import datetime as dt
import json
import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.syndication.views import Feed
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, QueryDict
from django.urls import reverse
from django.utils import timezone
from django.utils.feedgenerator import Atom1Feed, Rss201rev2Feed
from django.utils.html import format_html_join
from django.views.decorators.http import require_safe

from makerlab.formatting import day_text, full_stop, when_text
from makerlab.http import absolute_address, site_address
from makerlab.pagecache import cached_page
from programs.availability import Availability, Opening, program_availability
from programs.eligibility import program_audience_text
from programs.filters import ProgramFilter, filter_params
from programs.images import program_picture
from programs.models import Program
from programs.notifications import program_place, program_zone
from programs.selectors import programs_in_feed, programs_published

FEED_URL_NAMES = ("programs:feed_rss", "programs:feed_atom", "programs:feed_json")
PARAGRAPH_BREAK = re.compile(r"\r?\n\s*\n")
JSON_FEED_VERSION = "https://jsonfeed.org/version/1.1"
# A program leaves the feeds once its last session ends, and registration opens and closes at set times: a copy
# of a feed lasts at most this long.
FEED_PERIOD_SECONDS = 300


class FilterRefused(Exception):
    """A filter in the feed's address that the calendar cannot read."""


@dataclass(frozen=True)
class FeedItem:
    id: str
    url: str
    title: str
    lines: tuple[str, ...]
    categories: tuple[str, ...]
    published: dt.datetime
    updated: dt.datetime
    image: str = ""

    @property
    def text(self) -> str:
        return "\n\n".join(self.lines)

    @property
    def html(self) -> str:
        return format_html_join("", "<p>{}</p>", ((line,) for line in self.lines))


@dataclass(frozen=True)
class FeedListing:
    title: str
    description: str
    site_url: str
    home_url: str
    items: list[FeedItem]
    addresses: dict[str, str]  # each feed's own address, by URL name


def feed_query(filterset: ProgramFilter) -> str:
    """The filters of a calendar page that the feeds can carry: the ones it could read, as a query string."""
    if not filterset.is_bound:
        return ""
    form = filterset.form
    errors = form.errors  # reads the filters, if the page has not yet
    params = QueryDict(mutable=True)
    for name in ProgramFilter.base_filters:
        value = form.data.get(name, "")
        if value and name not in errors and form.cleaned_data.get(name) not in (None, ""):
            params[name] = value
    return params.urlencode()


def _chosen(filterset: ProgramFilter) -> list[str]:
    """What the filters chose, in words, for the feed's title: "Children", "age 8", "Coding", a branch's name."""
    data = filterset.form.cleaned_data
    words = []
    for name in ("audience", "category", "where"):
        if data.get(name):
            words.append(_choice_label(filterset.filters[name].extra["choices"], data[name]))
    if data.get("age") is not None:
        words.append(f"age {int(data['age'])}")
    if data.get("starts_after"):
        words.append(f"from {day_text(data['starts_after'])}")
    if data.get("starts_before"):
        words.append(f"to {day_text(data['starts_before'])}")
    return words


def _choice_label(choices, value: str) -> str:
    for key, label in choices:
        if isinstance(label, list | tuple):
            found = _choice_label(label, value)
            if found:
                return found
        elif str(key) == value:
            return str(label)
    return ""


def _filters(request: HttpRequest, now: dt.datetime) -> ProgramFilter:
    filterset = ProgramFilter(filter_params(request.GET), queryset=programs_published(now=now))
    if not filterset.is_valid():
        # Named, not quoted: the answer never repeats what was sent.
        raise FilterRefused(", ".join(str(filterset.form.fields[name].label) for name in filterset.form.errors))
    return filterset


def _tag_id(request: HttpRequest, program: Program) -> str:
    host = urlsplit(site_address(request, "/")).hostname or "localhost"
    return f"tag:{host},{program.created_at.astimezone(dt.UTC):%Y-%m-%d}:programs/{program.pk}"


def _availability_line(availability: Availability) -> str:
    if availability.opening is Opening.WAITLIST:
        return "Every place is taken: you can join the waitlist."
    return full_stop(availability.text)


def _item(request: HttpRequest, program: Program, now: dt.datetime) -> FeedItem:
    zone = program_zone(program)
    picture = program_picture(program)
    lines = (
        *(paragraph.strip() for paragraph in PARAGRAPH_BREAK.split(program.description) if paragraph.strip()),
        f"Next session: {full_stop(when_text(program.next_starts_at, program.next_ends_at, zone=zone))}",
        f"Where: {full_stop(program_place(program))}",
        f"Who it is for: {full_stop(program_audience_text(program))}",
        _availability_line(program_availability(program, now)),
    )
    return FeedItem(
        id=_tag_id(request, program),
        url=site_address(request, reverse("programs:program", args=[program.slug])),
        title=program.title,
        lines=lines,
        categories=(program.get_category_display(), program.get_audience_display()),
        published=program.created_at,
        updated=program.changed_at,
        image=absolute_address(request, picture.large.url) if picture else "",
    )


def feed_listing(request: HttpRequest) -> FeedListing:
    """The programs to come that the request's filters choose, as feed items; FilterRefused for a bad filter."""
    now = timezone.now()
    filterset = _filters(request, now)
    name = f"{settings.LIBRARY_NAME} Maker Lab programs"
    chosen = _chosen(filterset)
    query = feed_query(filterset)
    suffix = f"?{query}" if query else ""
    return FeedListing(
        title=f"{name}: {', '.join(chosen)}" if chosen else name,
        description="Free workshops and clubs at the Maker Lab, soonest first: when, where, who for, and places left.",
        site_url=site_address(request, "/"),
        home_url=site_address(request, reverse("programs:list") + suffix),
        items=[_item(request, program, now) for program in programs_in_feed(programs=filterset.qs)],
        addresses={url_name: site_address(request, reverse(url_name) + suffix) for url_name in FEED_URL_NAMES},
    )


class ProgramsRss(Feed):
    feed_type = Rss201rev2Feed
    url_name = "programs:feed_rss"

    def get_object(self, request: HttpRequest) -> FeedListing:
        return feed_listing(request)

    def title(self, listing: FeedListing) -> str:
        return listing.title

    def description(self, listing: FeedListing) -> str:
        return listing.description

    subtitle = description

    def link(self, listing: FeedListing) -> str:
        return listing.home_url

    def feed_url(self, listing: FeedListing) -> str:
        return listing.addresses[self.url_name]

    def author_name(self) -> str:
        return settings.LIBRARY_NAME

    def author_link(self, listing: FeedListing) -> str:
        return listing.site_url

    def items(self, listing: FeedListing) -> list[FeedItem]:
        return listing.items

    def item_title(self, item: FeedItem) -> str:
        return item.title

    def item_link(self, item: FeedItem) -> str:
        return item.url

    def item_description(self, item: FeedItem) -> str:
        return item.html

    def item_guid(self, item: FeedItem) -> str:
        return item.id

    item_guid_is_permalink = False

    def item_pubdate(self, item: FeedItem) -> dt.datetime:
        return item.published

    def item_updateddate(self, item: FeedItem) -> dt.datetime:
        return item.updated

    def item_categories(self, item: FeedItem) -> tuple[str, ...]:
        return item.categories


class ProgramsAtom(ProgramsRss):
    feed_type = Atom1Feed
    url_name = "programs:feed_atom"


def _json_feed(request: HttpRequest) -> HttpResponse:
    listing = feed_listing(request)
    body = {
        "version": JSON_FEED_VERSION,
        "title": listing.title,
        "description": listing.description,
        "home_page_url": listing.home_url,
        "feed_url": listing.addresses["programs:feed_json"],
        "language": settings.LANGUAGE_CODE,
        "authors": [{"name": settings.LIBRARY_NAME, "url": listing.site_url}],
        "items": [
            {
                "id": item.id,
                "url": item.url,
                "title": item.title,
                "content_text": item.text,
                "tags": list(item.categories),
                "date_published": item.published.isoformat(),
                "date_modified": item.updated.isoformat(),
                **({"image": item.image} if item.image else {}),
            }
            for item in listing.items
        ],
    }
    return HttpResponse(
        json.dumps(body, ensure_ascii=False, indent=1), content_type="application/feed+json; charset=utf-8"
    )


def _served(make_response) -> HttpResponse:
    @require_safe
    @cached_page("programs", "branches", period_seconds=FEED_PERIOD_SECONDS, conditional=True)
    def view(request: HttpRequest) -> HttpResponse:
        try:
            return make_response(request)
        except FilterRefused as refused:
            return HttpResponseBadRequest(
                f"This feed's address has a choice we cannot read: {refused}. Copy the feed's address again from "
                f"the programs page, {site_address(request, reverse('programs:list'))}\n",
                content_type="text/plain; charset=utf-8",
            )

    return view


rss = _served(ProgramsRss())
atom = _served(ProgramsAtom())
json_feed = _served(_json_feed)
