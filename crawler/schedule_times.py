"""When a schedule runs: ``--every`` intervals and ``--cron`` crontab times as APScheduler
triggers, with cron's own meaning (Sunday is 0 and 7; both day fields restricted means either)."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Final

from apscheduler.triggers.base import BaseTrigger
from apscheduler.triggers.combining import OrTrigger
from apscheduler.triggers.cron import CronTrigger
from apscheduler.triggers.interval import IntervalTrigger
from tzlocal import get_localzone

_UNIT_SECONDS: Final = {"s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800}
_INTERVAL: Final = re.compile(r"(?:\d+[smhdw])+")
_CRON_DAYS: Final = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")


@dataclass(frozen=True)
class Plan:
    """A trigger and how to say it in the log."""

    trigger: BaseTrigger
    says: str


def parse_interval(text: str) -> timedelta:
    """``7d``, ``12h``, ``30m``, ``90s``, ``2w`` or a sum like ``1h30m``; ValueError otherwise."""
    text = text.strip().lower()
    if not _INTERVAL.fullmatch(text):
        raise ValueError("expected a number and a unit (s, m, h, d or w), e.g. 7d, 12h, 30m")
    seconds = sum(int(n) * _UNIT_SECONDS[unit] for n, unit in re.findall(r"(\d+)([smhdw])", text))
    if seconds < 1:
        raise ValueError("the interval must be at least 1s")
    return timedelta(seconds=seconds)


def _cron_day(token: str) -> int:
    token = token.strip().lower()
    if token in _CRON_DAYS:
        return _CRON_DAYS.index(token)
    if token.isdigit() and int(token) <= 7:
        return int(token)
    raise ValueError(f"{token!r} is not a weekday (0-7 with 0 and 7 Sunday, or sun-sat)")


def cron_weekdays(field: str) -> str:
    """A crontab weekday field as APScheduler 3 day names (cron's 0 is Sunday, APScheduler's
    is Monday: its own ``from_crontab`` keeps that mismatch, so we translate by hand)."""
    if field == "*":
        return "*"
    days: set[int] = set()
    for item in field.split(","):
        spec, slash, step_text = item.partition("/")
        if slash and not (step_text.isdigit() and int(step_text) > 0):
            raise ValueError(f"{item!r} has no valid step after '/'")
        step = int(step_text) if slash else 1
        if spec == "*":
            first, last = 0, 6
        elif "-" in spec:
            first, last = (_cron_day(part) for part in spec.split("-", 1))
        else:
            first = _cron_day(spec)
            last = 6 if slash else first
        if first > last:
            raise ValueError(f"the weekday range {spec!r} runs backwards")
        days.update(day % 7 for day in range(first, last + 1, step))
    return ",".join(_CRON_DAYS[day] for day in sorted(days))


def cron_trigger(expr: str) -> BaseTrigger:
    """A trigger for a 5-field crontab line, in the local time zone, with cron's meaning."""
    fields = expr.split()
    if len(fields) != 5:
        raise ValueError(
            f"a crontab line has 5 fields (minute hour day month weekday), not {len(fields)}"
        )
    minute, hour, day, month, weekday = fields
    days = cron_weekdays(weekday)
    zone = get_localzone()
    if day.startswith("*") or weekday.startswith("*"):
        return CronTrigger(
            minute=minute, hour=hour, day=day, month=month, day_of_week=days, timezone=zone
        )
    # crontab(5): when both day fields are restricted, a time matching either one runs.
    return OrTrigger(
        [
            CronTrigger(minute=minute, hour=hour, day=day, month=month, timezone=zone),
            CronTrigger(minute=minute, hour=hour, month=month, day_of_week=days, timezone=zone),
        ]
    )


def interval_plan(text: str) -> Plan:
    """A plan that runs every ``text`` (see ``parse_interval``); ValueError otherwise."""
    interval = parse_interval(text)
    trigger = IntervalTrigger(seconds=int(interval.total_seconds()), timezone=get_localzone())
    return Plan(trigger, f"every {text}")


def cron_plan(expr: str) -> Plan:
    """A plan that runs at the crontab time ``expr`` (see ``cron_trigger``); ValueError
    otherwise."""
    return Plan(cron_trigger(expr), f"on cron '{expr}' ({get_localzone()})")
