"""Staff accounts in SQL: who may log in to the console and the staff APIs, with which role."""

from __future__ import annotations

from sqlalchemy import Engine, MetaData, String, select
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column
from sqlalchemy.orm import Session as SqlSession

from bot.core.security import Principal, StaffRole, hash_password, verify_password


class AccountsBase(DeclarativeBase):
    """Declarative base with the accounts' own metadata."""

    metadata = MetaData()


class StaffAccount(AccountsBase):
    """One member of staff; the password is stored as an argon2 hash only."""

    __tablename__ = "staff_accounts"

    username: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(128))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(256))


class AccountStore:
    """Creates staff accounts and checks their passwords."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine

    def create_schema(self) -> None:
        """Create the accounts table if it is missing."""
        AccountsBase.metadata.create_all(self._engine)

    def upsert(self, username: str, name: str, role: StaffRole, password: str) -> None:
        """Create the account, or replace its name, role and password."""
        with SqlSession(self._engine) as db, db.begin():
            db.merge(StaffAccount(username=username, name=name, role=role.value,
                                  password_hash=hash_password(password)))

    def authenticate(self, username: str, password: str) -> Principal | None:
        """The account's principal if the password matches, else None."""
        with SqlSession(self._engine) as db:
            account = db.execute(select(StaffAccount).where(StaffAccount.username == username)).scalar_one_or_none()
        if account is None or not verify_password(account.password_hash, password):
            return None
        return Principal(username=account.username, name=account.name, role=StaffRole(account.role))

    def get(self, username: str) -> Principal | None:
        """The account's principal, without a password check (for transfers)."""
        with SqlSession(self._engine) as db:
            account = db.get(StaffAccount, username)
        return None if account is None else Principal(account.username, account.name, StaffRole(account.role))
