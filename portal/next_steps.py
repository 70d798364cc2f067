"""What a signed-in user should do next: the items of the home page.

The home page lists no counters; it asks each registered provider what the principal
should do next. `portal/` registers its own providers (agreements, compliance,
technicians); a feature package registers its own when it loads, the way it registers
compliance counters, so `portal/` never imports it:

    from portal import next_steps

    next_steps.register_providers(expiring_certifications, roles=(PARTNER_ADMIN,))

A provider takes the principal and returns `NextStep`s (an empty list when there is
nothing to do). It must run a fixed number of queries, whatever the amount of data:
the home page is the most visited page.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field

from portal.roles import ALL_ROLES

#: Steps sort by urgency, then by the order of registration.
URGENCIES = ("now", "soon", "when_convenient")

#: How many items a step lists before "and N more".
ITEMS_SHOWN = 5


@dataclass(frozen=True)
class StepItem:
    """One thing to act on, linking to the page where it gets done."""

    label: str
    url: str
    note: str = ""


@dataclass(frozen=True)
class NextStep:
    """A kind of work waiting for the principal, with the items it applies to.

    `key` is stable (tests and `data-step` attributes use it); `action` labels the
    links; `total` counts every item when `items` holds only the first few, and
    `more_url` lists them all.
    """

    key: str
    title: str
    hint: str
    action: str
    items: tuple[StepItem, ...] = field(default_factory=tuple)
    urgency: str = "soon"
    total: int | None = None
    more_url: str | None = None

    def __post_init__(self):
        if self.urgency not in URGENCIES:
            raise ValueError(f"urgency must be one of {URGENCIES}")

    @property
    def count(self) -> int:
        return self.total if self.total is not None else len(self.items)

    @property
    def hidden(self) -> int:
        """How many items the page does not list."""
        return max(self.count - len(self.items), 0)


StepProvider = Callable[[object], Iterable[NextStep]]

_providers: list[tuple[frozenset[str], StepProvider]] = []


def register_providers(*providers: StepProvider, roles: Iterable[str]) -> None:
    """Add providers whose steps the given roles see; registering one twice is harmless."""
    roles = frozenset(roles)
    if not roles or not roles <= set(ALL_ROLES):
        raise ValueError(f"unknown roles {set(roles) - set(ALL_ROLES) or roles}")
    for provider in providers:
        if (roles, provider) not in _providers:
            _providers.append((roles, provider))


def unregister_provider(provider: StepProvider) -> None:
    """Forget a provider (for tests that register one of their own)."""
    _providers[:] = [entry for entry in _providers if entry[1] is not provider]


def next_steps_for(principal) -> list[NextStep]:
    """Every step with something in it for the principal, the most urgent first."""
    if not principal.is_authenticated:
        return []
    steps = [
        step
        for roles, provider in list(_providers)
        if principal.role in roles
        for step in provider(principal)
        if step.count
    ]
    return sorted(steps, key=lambda step: URGENCIES.index(step.urgency))


def first_items(rows: list, to_item: Callable[[object], StepItem]) -> tuple[StepItem, ...]:
    """The items a step shows: the first `ITEMS_SHOWN` rows, as `StepItem`s."""
    return tuple(to_item(row) for row in rows[:ITEMS_SHOWN])
