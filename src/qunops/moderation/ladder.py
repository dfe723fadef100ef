"""The penalty ladder, per member per workspace: pure functions over a member's penalty history.

Default steps: warning → mute 1 day → mute 7 days → mute 15 days → removal and blacklist across the
workspace's groups (product.md, Moderation defaults). All times come from the caller (`now`), so the
ladder runs on any clock.

The exact rules:

- **Current step.** Walk the member's penalties in time order, skipping lifted ones (successful
  appeals). Each penalty puts the member on its step. Before applying a penalty, forgiveness is applied
  for the clean time since the previous one (below).
- **Next penalty** = one step above the current step (the first offence gets step 0, a warning).
- **Forgiveness.** Every full `forgive_after` (90 days) without a penalty, measured from the end of the
  last penalty (a mute's end, or the warning's time), lowers the step by one. A member who stays clean
  long enough is back at the bottom: the next offence is a warning again. Removal (the top step) is not
  forgiven automatically: a blacklisted member returns only by appeal.
- **Aggravation.** A new offence within `repeat_window` (24 hours) of the previous penalty skips one
  extra step; multi-account abuse (coordinated accounts, evading a ban) skips `multi_account_skip`
  extra steps (default 2). Skips stop at the top step.
- **Lift** (appeal upheld): the penalty is marked lifted; it no longer counts for the ladder, and its
  mute ends at once.
- **Private.** A penalty can be delivered privately (a direct message instead of a notice in the group)
  for embarrassing matters; privacy changes delivery only, never the step.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from enum import StrEnum

from qunops.core.texts import Text, listing


class PenaltyKind(StrEnum):
    WARNING = "warning"
    MUTE = "mute"
    REMOVAL = "removal"  # removal from every group of the workspace, and blacklisting


@dataclass(frozen=True, slots=True)
class Step:
    kind: PenaltyKind
    duration: timedelta | None = None  # for mutes

    def describe(self) -> Text:
        return self._words(first_capital=False)

    def heading(self) -> Text:
        """`describe()` as the first words of a sentence."""
        return self._words(first_capital=True)

    def _words(self, first_capital: bool) -> Text:
        values: dict[str, float] = {}
        if self.kind == PenaltyKind.MUTE and self.duration is not None:
            days = values["days"] = self.duration / timedelta(days=1)
            template = "mute for {days:g} day" if days == 1 else "mute for {days:g} days"
        elif self.kind == PenaltyKind.REMOVAL:
            template = "removal from all groups and blacklist"
        else:
            template = "warning"
        return Text(template[:1].upper() + template[1:] if first_capital else template, **values)


DEFAULT_STEPS: tuple[Step, ...] = (
    Step(PenaltyKind.WARNING),
    Step(PenaltyKind.MUTE, timedelta(days=1)),
    Step(PenaltyKind.MUTE, timedelta(days=7)),
    Step(PenaltyKind.MUTE, timedelta(days=15)),
    Step(PenaltyKind.REMOVAL),
)


@dataclass(frozen=True, slots=True)
class LadderPolicy:
    steps: tuple[Step, ...] = DEFAULT_STEPS
    forgive_after: timedelta = timedelta(days=90)
    repeat_window: timedelta = timedelta(hours=24)
    repeat_skip: int = 1
    multi_account_skip: int = 2

    def __post_init__(self) -> None:
        if not self.steps:
            raise ValueError("a ladder needs at least one step")


@dataclass(frozen=True, slots=True)
class Penalty:
    """One penalty given to a member, with what justified it."""

    step: int
    kind: PenaltyKind
    issued_at: datetime
    until: datetime | None = None  # end of a mute; None for warnings and removals
    private: bool = False
    reasons: tuple[str, ...] = ()
    evidence: tuple[str, ...] = ()  # message ids or excerpts the penalty rests on
    lifted_at: datetime | None = None  # appeal upheld
    skipped: int = 0  # extra steps added by aggravation
    explanation: str = ""

    @property
    def lifted(self) -> bool:
        return self.lifted_at is not None

    def active(self, now: datetime) -> bool:
        if self.lifted_at is not None and self.lifted_at <= now:
            return False
        if self.kind == PenaltyKind.REMOVAL:
            return True
        return self.until is not None and self.issued_at <= now < self.until

    @property
    def ends_at(self) -> datetime:
        """When the penalty stops weighing (forgiveness counts from here)."""
        return self.until or self.issued_at


@dataclass(frozen=True, slots=True)
class Aggravation:
    multi_account: bool = False
    reasons: tuple[str, ...] = field(default=())


# Why multi-account abuse aggravates, as moderation gives it (`explanations` knows it too).
COORDINATED = Text("coordinated accounts posted the same text")


def current_step(history: Sequence[Penalty], now: datetime, policy: LadderPolicy = LadderPolicy()) -> int:
    """The member's step as of `now`: -1 when nothing counts (clean record or fully forgiven)."""
    step = -1
    last: Penalty | None = None
    for p in sorted(
        (p for p in history if not (p.lifted_at and p.lifted_at <= now)), key=lambda p: p.issued_at
    ):
        if p.issued_at > now:
            break
        if last is not None:
            step = _forgiven(step, last, p.issued_at, policy)
        step = p.step
        last = p
    if last is not None:
        step = _forgiven(step, last, now, policy)
    return step


def _forgiven(step: int, last: Penalty, at: datetime, policy: LadderPolicy) -> int:
    top = len(policy.steps) - 1
    if step >= top and policy.steps[top].kind == PenaltyKind.REMOVAL:
        return step  # removal is lifted only by appeal
    clean = at - last.ends_at
    if clean <= timedelta(0):
        return step
    periods = int(clean / policy.forgive_after)
    return max(-1, step - periods)


def next_penalty(
    history: Sequence[Penalty],
    now: datetime,
    aggravating: Aggravation | bool = False,
    *,
    policy: LadderPolicy = LadderPolicy(),
    private: bool = False,
    reasons: Sequence[str] = (),
    evidence: Sequence[str] = (),
) -> Penalty:
    """The penalty for a new offence at `now`, given the member's history in this workspace.

    `aggravating=True` means multi-account abuse; pass an `Aggravation` to give reasons.
    """
    agg = (
        aggravating if isinstance(aggravating, Aggravation) else Aggravation(multi_account=bool(aggravating))
    )
    base = current_step(history, now, policy)
    step = base + 1
    notes: list[str] = []
    skipped = 0
    counted = [p for p in history if not (p.lifted_at and p.lifted_at <= now) and p.issued_at <= now]
    if counted:
        previous = max(counted, key=lambda p: p.issued_at)
        if now - previous.issued_at <= policy.repeat_window:
            skipped += policy.repeat_skip
            notes.append(_repeated(policy))
    if agg.multi_account:
        skipped += policy.multi_account_skip
        notes.append(Text("multi-account abuse"))
    notes.extend(agg.reasons)
    top = len(policy.steps) - 1
    final = min(top, step + skipped)
    chosen = policy.steps[final]
    until = now + chosen.duration if chosen.kind == PenaltyKind.MUTE and chosen.duration else None
    # Below the first step with penalties that count, they were forgiven; lifted ones never counted.
    standing = _standings(base, policy)[1 if base < 0 and counted else 0]
    return Penalty(
        step=final,
        kind=chosen.kind,
        issued_at=now,
        until=until,
        private=private,
        reasons=tuple(reasons),
        evidence=tuple(evidence),
        skipped=final - step,
        explanation=_explanation(chosen, standing, final - step, notes),
    )


def _repeated(policy: LadderPolicy) -> Text:
    return Text(
        "repeated within {hours:g} hours of the last penalty", hours=policy.repeat_window / timedelta(hours=1)
    )


def _standings(base: int, policy: LadderPolicy) -> tuple[Text, ...]:
    """Where the member stood before a penalty: at `base`, or (below the first step) with an empty record
    or with every penalty forgiven."""
    if base < 0:
        return Text("no penalty counts on the record"), Text("earlier penalties are forgiven")
    return (
        Text(
            "currently at step {step} of {steps} ({penalty})",
            step=base + 1,
            steps=len(policy.steps),
            penalty=policy.steps[base].describe(),
        ),
    )


def _explanation(chosen: Step, standing: Text, skipped: int, notes: Sequence[str]) -> Text:
    if skipped <= 0 or not notes:
        return Text("{penalty}: {standing}.", penalty=chosen.heading(), standing=standing)
    template = (
        "{penalty}: {standing}; {skipped} step skipped for {reasons}."
        if skipped == 1
        else "{penalty}: {standing}; {skipped} steps skipped for {reasons}."
    )
    return Text(
        template, penalty=chosen.heading(), standing=standing, skipped=skipped, reasons=listing(notes)
    )


def explanations(penalty: Penalty, policy: LadderPolicy = LadderPolicy()) -> Iterator[Text]:
    """Every explanation `next_penalty` (with moderation's aggravation reasons) can have given this
    penalty: its step and skipped steps fix the step before it, leaving only which notes were given."""
    top = len(policy.steps) - 1
    base = penalty.step - penalty.skipped - 1
    if not -1 <= base < top or not 0 <= penalty.step <= top:
        return
    notes: list[list[str]] = [[]]
    if penalty.skipped > 0:
        repeated: list[list[str]] = [[_repeated(policy)], []]
        multi: list[list[str]] = [
            [Text("multi-account abuse"), COORDINATED],
            [Text("multi-account abuse")],
            [],
        ]
        notes = [r + m for r in repeated for m in multi if r + m]
    for standing in _standings(base, policy):
        for given in notes:
            yield _explanation(policy.steps[penalty.step], standing, penalty.skipped, given)


def lift(penalty: Penalty, now: datetime) -> Penalty:
    """An upheld appeal: the penalty stops counting and any mute ends now."""
    if penalty.lifted_at is not None:
        return penalty
    until = min(penalty.until, now) if penalty.until is not None else None
    return replace(penalty, lifted_at=now, until=until)
