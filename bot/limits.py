"""The abuse bounds shared by the Telegram and Bluesky adapters: a per-account limit on checks
(a sliding hour, one polite notice per account per full hour) and a global budget of answers
over every account of every platform (a sliding hour and a sliding day).

Both are kept in the bot's SQLite file (their own named migration set, "factbot-limits"), so a
restart forgives nobody, and both platforms count against the one global budget. The decision
is the pure `decide`; `Limits` reads the counts and writes the answer in one transaction on the
file's worker. The clock is passed in."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import Enum

import sqlite_utils
from sqlite_utils import Migrations

from bot.config import LimitsConfig
from bot.database import Tables

HOUR = timedelta(hours=1)
DAY = timedelta(days=1)

migrations = Migrations("factbot-limits")


@migrations()
def m001_limits(db: sqlite_utils.Database) -> None:
    answers = db.table("limit_answers")
    answers.create(
        {
            "request": str,  # what was answered: a mention's URI, "telegram:<chat>:<message>"
            "platform": str,  # "bluesky" | "telegram"
            "account": str,  # a DID, a Telegram user id
            "at": str,
        },
        pk="request",
    )
    answers.create_index(["platform", "account", "at"])
    answers.create_index(["at"])
    db.table("limit_notices").create(
        {"platform": str, "account": str, "told_at": str}, pk=("platform", "account")
    )


class Admit(Enum):
    YES = "yes"
    NOTICE = "notice"  # over the account's limit: tell them once
    BUSY = "busy"  # the global budget is spent: tell them once (Bluesky stays silent)
    SILENT = "silent"  # over a limit and already told


@dataclass(frozen=True)
class Counts:
    """What `decide` needs to know, read from the file at `now`."""

    account: int  # this account's answers in the last hour
    hour: int  # every account's answers in the last hour
    day: int  # ... and in the last day
    told_at: datetime | None  # when this account was last told it is over a limit
    already: bool = False  # this very request was admitted before (a retry)


def decide(counts: Counts, per_hour: int, budget: LimitsConfig, now: datetime) -> Admit:
    """Admit a check, or say how to refuse it. A limit of 0 means no limit."""
    if counts.already:
        return Admit.YES
    told = counts.told_at is not None and now - counts.told_at < HOUR
    if 0 < per_hour <= counts.account:
        return Admit.SILENT if told else Admit.NOTICE
    if 0 < budget.answers_per_hour <= counts.hour or 0 < budget.answers_per_day <= counts.day:
        return Admit.SILENT if told else Admit.BUSY
    return Admit.YES


class Limits:
    """One platform's view of the limits, on the file of `db` (any store of that file)."""

    def __init__(self, db: Tables, platform: str, per_hour: int, budget: LimitsConfig) -> None:
        self.db, self.platform, self.per_hour, self.budget = db, platform, per_hour, budget
        db.migrate(migrations)

    async def admit(self, account: str, request: str, now: datetime) -> Admit:
        """May `account` have the check `request` at `now`? An admitted check counts (once per
        request: a retry of the same request is admitted again without counting twice)."""
        conn = self.db.db.conn
        hour_ago, day_ago = (now - HOUR).isoformat(), (now - DAY).isoformat()

        def one(sql: str, params: list[str]) -> int:
            return int(conn.execute(sql, params).fetchone()[0])

        def run() -> Admit:
            with conn:
                conn.execute("DELETE FROM limit_answers WHERE at < ?", [day_ago])
                told = conn.execute(
                    "SELECT told_at FROM limit_notices WHERE platform = ? AND account = ?",
                    [self.platform, account],
                ).fetchone()
                counts = Counts(
                    account=one(
                        "SELECT count(*) FROM limit_answers WHERE platform = ? AND account = ? "
                        "AND at > ?",
                        [self.platform, account, hour_ago],
                    ),
                    hour=one("SELECT count(*) FROM limit_answers WHERE at > ?", [hour_ago]),
                    day=one("SELECT count(*) FROM limit_answers WHERE at > ?", [day_ago]),
                    told_at=datetime.fromisoformat(told[0]) if told else None,
                    already=bool(
                        one("SELECT count(*) FROM limit_answers WHERE request = ?", [request])
                    ),
                )
                verdict = decide(counts, self.per_hour, self.budget, now)
                if verdict is Admit.YES:
                    conn.execute(
                        "INSERT OR IGNORE INTO limit_answers (request, platform, account, at) "
                        "VALUES (?, ?, ?, ?)",
                        [request, self.platform, account, now.isoformat()],
                    )
                    conn.execute(
                        "DELETE FROM limit_notices WHERE platform = ? AND account = ?",
                        [self.platform, account],
                    )
                elif verdict is not Admit.SILENT:
                    conn.execute(
                        "INSERT OR REPLACE INTO limit_notices (platform, account, told_at) "
                        "VALUES (?, ?, ?)",
                        [self.platform, account, now.isoformat()],
                    )
                return verdict

        return await self.db.run(run)


def limit_notice(per_hour: int) -> str:
    """The one polite notice a user gets on reaching the limit."""
    return (
        f"You have reached the limit of {per_hour} checks an hour. "
        "Please try again a little later — thank you!"
    )


BUSY_NOTICE = (
    "I am answering a great many checks right now and have paused for a while. "
    "Please try again later — thank you!"
)
