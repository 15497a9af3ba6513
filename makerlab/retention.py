"""Which personal fields to wipe when a patron is anonymised.

Each app registers the personal free-text fields of its own models in its AppConfig.ready(),
with the path from that model to the patron. The retention service blanks them all with one
UPDATE per registered model, so a patron's rows keep counting in statistics.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class PersonalFields:
    model_label: str
    patron_path: str
    blank_fields: tuple[str, ...]
    null_fields: tuple[str, ...]
    json_fields: tuple[str, ...] = ()

    def patron_lookup(self) -> str:
        """The filter that selects this model's rows belonging to a set of patron ids."""
        return f"{self.patron_path}__in" if self.patron_path else "pk__in"

    def cleared_values(self) -> dict[str, object]:
        return {
            **{name: "" for name in self.blank_fields},
            **{name: None for name in self.null_fields},
            **{name: {} for name in self.json_fields},
        }


_registry: dict[str, PersonalFields] = {}


def register_personal_fields(
    model_label: str,
    *,
    patron_path: str,
    blank_fields: tuple[str, ...] = (),
    null_fields: tuple[str, ...] = (),
    json_fields: tuple[str, ...] = (),
) -> None:
    """Register fields of ``model_label`` ("app.Model") holding personal data about the patron at ``patron_path``.

    ``patron_path`` is the lookup from the model to Patron ("patron", "booking__patron"),
    or "" for the Patron model itself. Registering the same model again replaces the entry.
    """
    _registry[model_label] = PersonalFields(
        model_label, patron_path, tuple(blank_fields), tuple(null_fields), tuple(json_fields)
    )


def registered_personal_fields() -> list[PersonalFields]:
    """Every registration, the Patron model's own last so related rows are found before it is cleared."""
    return sorted(_registry.values(), key=lambda entry: entry.patron_path == "")


@dataclass(frozen=True)
class DatedPersonalFields:
    """Personal fields of rows that belong to no patron (an email left with a suggestion), blanked once the
    row's ``dated_by`` moment is older than PATRON_RETENTION_DAYS."""

    model_label: str
    dated_by: str
    blank_fields: tuple[str, ...]

    def cleared_values(self) -> dict[str, object]:
        return {name: "" for name in self.blank_fields}


_dated_registry: dict[str, DatedPersonalFields] = {}


def register_dated_personal_fields(model_label: str, *, dated_by: str, blank_fields: tuple[str, ...]) -> None:
    """Register fields of ``model_label`` ("app.Model") holding personal data kept for a time from ``dated_by``."""
    _dated_registry[model_label] = DatedPersonalFields(model_label, dated_by, tuple(blank_fields))


def registered_dated_personal_fields() -> list[DatedPersonalFields]:
    return list(_dated_registry.values())
