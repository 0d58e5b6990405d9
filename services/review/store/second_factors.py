"""Second factors: an account's TOTP secret and its recovery codes (stored hashed)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, func, select, update

from services.review.store.rows import as_dict
from services.review.store.tables import recovery_codes, second_factors


class SecondFactorStore:
    """The second-factor queries on one connection (the unit of work's)."""

    def __init__(self, conn: Connection) -> None:
        self.conn = conn

    def get(self, user_id: str) -> dict[str, Any] | None:
        query = select(second_factors).where(second_factors.c.user_id == user_id)
        return as_dict(self.conn.execute(query).first())

    def start(self, user_id: str, secret: str, now: datetime) -> None:
        """A new, unconfirmed secret for the account (replacing any earlier one)."""
        self.remove(user_id)
        self.conn.execute(
            second_factors.insert().values(user_id=user_id, secret=secret, created_at=now)
        )

    def confirm(self, user_id: str, step: int, now: datetime) -> None:
        self.conn.execute(
            update(second_factors)
            .where(second_factors.c.user_id == user_id)
            .values(confirmed_at=now, last_step=step)
        )

    def accept_step(self, user_id: str, step: int) -> bool:
        """Record ``step`` as the last one used, unless it (or a later one) was: a code
        is accepted once, even by two logins at the same moment."""
        done = self.conn.execute(
            update(second_factors)
            .where(
                second_factors.c.user_id == user_id,
                (second_factors.c.last_step.is_(None)) | (second_factors.c.last_step < step),
            )
            .values(last_step=step)
        )
        return bool(done.rowcount)

    def remove(self, user_id: str) -> bool:
        """Drop the account's second factor and its recovery codes; False if it had none."""
        self.conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
        gone = self.conn.execute(delete(second_factors).where(second_factors.c.user_id == user_id))
        return bool(gone.rowcount)

    def replace_codes(self, user_id: str, hashes: list[str], now: datetime) -> None:
        self.conn.execute(delete(recovery_codes).where(recovery_codes.c.user_id == user_id))
        self.conn.execute(
            recovery_codes.insert(),
            [{"code_hash": h, "user_id": user_id, "created_at": now} for h in hashes],
        )

    def use_code(self, user_id: str, code_hash: str, now: datetime) -> bool:
        """Use up an unused recovery code of the account; False when there is none."""
        done = self.conn.execute(
            update(recovery_codes)
            .where(
                recovery_codes.c.code_hash == code_hash,
                recovery_codes.c.user_id == user_id,
                recovery_codes.c.used_at.is_(None),
            )
            .values(used_at=now)
        )
        return bool(done.rowcount)

    def codes_left(self, user_id: str) -> int:
        query = select(func.count()).where(
            recovery_codes.c.user_id == user_id, recovery_codes.c.used_at.is_(None)
        )
        return int(self.conn.execute(query).scalar_one())

    def enrolled_ids(self) -> set[str]:
        """The accounts whose second factor is confirmed (the People page marks them)."""
        query = select(second_factors.c.user_id).where(second_factors.c.confirmed_at.is_not(None))
        return set(self.conn.execute(query).scalars())
