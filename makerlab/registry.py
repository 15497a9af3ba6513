"""What other apps register in makerlab so that an app may ask them without importing them (apps depend downward
only): commitments, shift rules, equipment rules. Each registers under its name (the app's label) in its
AppConfig.ready(), and is asked in the order of the names, so answers do not depend on the order apps load in.
"""

from collections.abc import Iterator
from typing import Generic, TypeVar

T = TypeVar("T")


class Registry(Generic[T]):
    def __init__(self) -> None:
        self._entries: dict[str, T] = {}

    def register(self, name: str, entry: T) -> None:
        """Register ``entry`` under ``name``; registering a name again replaces it."""
        self._entries[name] = entry

    def unregister(self, name: str) -> None:
        self._entries.pop(name, None)

    def registered(self) -> dict[str, T]:
        return dict(self._entries)

    def in_order(self) -> Iterator[T]:
        """Every entry, in the order of the names."""
        for name in sorted(self._entries):
            yield self._entries[name]
