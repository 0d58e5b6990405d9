"""What each recipient (email address or phone number) wants; on the connection of a
transaction its caller opened."""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, update

from services.notification.domain.messages import Preference, suppression_key
from services.notification.store.tables import preferences, suppressions

# Read for every event recorded: built once, the addresses as parameters.
_ROWS = select(preferences).where(
    preferences.c.address.in_(bindparam("b_addresses", expanding=True))
)
_SUPPRESSED = select(suppressions.c.address_hash).where(
    suppressions.c.address_hash.in_(bindparam("b_keys", expanding=True))
)


def _preference(row: Any) -> Preference:
    return Preference(
        address=row.address,
        email=row.email,
        sms=row.sms,
        language=row.language,
        digest=row.digest,
        time_zone=row.time_zone,
        unsubscribed=row.unsubscribed,
        instant=row.instant,
    )


class PreferenceStore:
    """Recipients' stored preferences (an address without a row has the defaults)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def of(self, addresses: Iterable[str | None]) -> dict[str, Preference]:
        """The stored preferences of those of ``addresses`` that have some; an address
        remembered as unsubscribed by its hash only reads as unsubscribed."""
        wanted = sorted({a for a in addresses if a})
        if not wanted:
            return {}
        found = self.rows(wanted)
        for address in self.suppressed(wanted):
            found[address] = replace(found.get(address) or Preference(address), unsubscribed=True)
        return found

    def rows(self, addresses: Iterable[str]) -> dict[str, Preference]:
        """The preference rows of these addresses (hash-only unsubscribes left out)."""
        rows = self._conn.execute(_ROWS, {"b_addresses": sorted(set(addresses))})
        return {row.address: _preference(row) for row in rows}

    def find(self, address: str) -> Preference | None:
        return self.of([address]).get(address)

    def save(self, preference: Preference) -> None:
        if preference.unsubscribed:
            self.suppress([preference.address], datetime.now(UTC))
        else:  # subscribed again
            self._conn.execute(
                delete(suppressions).where(
                    suppressions.c.address_hash == suppression_key(preference.address)
                )
            )
        values = {
            "email": preference.email,
            "sms": preference.sms,
            "language": preference.language,
            "digest": preference.digest,
            "time_zone": preference.time_zone,
            "unsubscribed": preference.unsubscribed,
            "instant": preference.instant,
            "updated_at": datetime.now(UTC),
        }
        changed = self._conn.execute(
            update(preferences).where(preferences.c.address == preference.address).values(values)
        ).rowcount
        if not changed:
            self._conn.execute(insert(preferences).values(address=preference.address, **values))

    def exported(self, addresses: Iterable[str]) -> list[dict[str, Any]]:
        """Access request: the stored preferences of these addresses, as plain values."""
        return [
            {
                "address": p.address,
                "email": p.email,
                "sms": p.sms,
                "language": p.language,
                "digest": p.digest,
                "time_zone": p.time_zone,
                "unsubscribed": p.unsubscribed,
                "instant": p.instant,
            }
            for p in self.of(addresses).values()
        ]

    def forget(self, addresses: Collection[str]) -> None:
        if addresses:
            self._conn.execute(delete(preferences).where(preferences.c.address.in_(addresses)))

    # -- unsubscribes kept as hashes (docs/PRIVACY.md: Consent) --------------------------

    def suppress(self, addresses: Iterable[str], now: datetime) -> None:
        """Remember these addresses as unsubscribed by their hashes only."""
        for key in sorted({suppression_key(a) for a in addresses}):
            known = self._conn.execute(
                select(suppressions.c.address_hash).where(suppressions.c.address_hash == key)
            ).first()
            if known is None:
                self._conn.execute(insert(suppressions).values(address_hash=key, created_at=now))

    def suppressed(self, addresses: Iterable[str | None]) -> set[str]:
        """Which of these addresses are remembered (by hash) as unsubscribed."""
        keys = {suppression_key(a): a for a in addresses if a}
        if not keys:
            return set()
        found = self._conn.execute(_SUPPRESSED, {"b_keys": sorted(keys)}).scalars()
        return {keys[k] for k in found}
