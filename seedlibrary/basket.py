"""The request basket: the seeds a patron chose on the public catalogue, kept in their session (no login).

It survives paging and filters, and the request form sends its packets. It holds variety ids only, in the
order they were added; what may be asked for is decided by the services when seeds are added and when the
request is sent.
"""

from django.contrib.sessions.backends.base import SessionBase

SESSION_KEY = "seed_request_basket"


class SeedBasket:
    def __init__(self, session: SessionBase) -> None:
        self._session = session

    @property
    def ids(self) -> list[int]:
        stored = self._session.get(SESSION_KEY, [])
        if not isinstance(stored, list):
            return []
        return [value for value in stored if isinstance(value, int) and not isinstance(value, bool)]

    def __contains__(self, variety_id: int) -> bool:
        return variety_id in self.ids

    def __len__(self) -> int:
        return len(self.ids)

    def add(self, variety_id: int) -> None:
        ids = self.ids
        if variety_id not in ids:
            self._session[SESSION_KEY] = [*ids, variety_id]

    def remove(self, variety_id: int) -> None:
        ids = self.ids
        if variety_id in ids:
            self._session[SESSION_KEY] = [value for value in ids if value != variety_id]

    def clear(self) -> None:
        self._session.pop(SESSION_KEY, None)
