"""The seed desk's long lend table, written in Python: a template loop over a shelf of hundreds of lots cost the
page most of its time, and these rows are the same markup the template had."""

from django import template
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString, mark_safe

register = template.Library()

_ROW = (
    "<tr>"
    '<td><input class="form-check-input" type="checkbox" name="lots" value="{lot}" id="lot-{lot}"{checked}{described}>'
    "</td>"
    '<th scope="row"><label for="lot-{lot}">{seed}</label>{borrowed}</th>'
    "<td>{code}{generation}</td>"
    "<td>{harvest_year}</td>"
    "<td>{rate}%</td>"
    "<td>{packets}</td>"
    "</tr>"
)
_CHECKED = mark_safe(" checked")
_DESCRIBED = mark_safe(' aria-describedby="lend-errors"')
_BORROWED = mark_safe('<br><span class="small">Already borrowed this season</span>')


@register.simple_tag
def shelf_rows(rows: list, *, invalid: bool = False) -> SafeString:
    """One table row per lot (seedlibrary.staff_views.ShelfRow): its checkbox, labelled by the seed's name and
    tied to the error box when the choice was refused."""
    described = _DESCRIBED if invalid else ""
    return format_html_join(
        "\n",
        _ROW,
        (
            {
                "lot": row.lot_id,
                "checked": _CHECKED if row.chosen else "",
                "described": described,
                "seed": row.seed,
                "borrowed": _BORROWED if row.borrowed else "",
                "code": row.code,
                "generation": format_html('<br><span class="small">Generation {}</span>', row.generation)
                if row.generation
                else "",
                "harvest_year": row.harvest_year,
                "rate": row.rate,
                "packets": row.packets,
            }
            for row in rows
        ),
    )
