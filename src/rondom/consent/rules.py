"""Who decides about a child's data, by age (Jeugdwet / WGBO practice).

- under 12: the parent(s) with authority;
- 12 to 15: the youth and the parent(s) with authority together;
- 16 and older: the youth alone.

"The parent(s) with authority" means every parent registered with authority (gezag): with joint
authority both parents give consent. Any one person whose consent is needed may withdraw it.
"""

from __future__ import annotations

from dataclasses import dataclass

from .models import Capacity

CHILD_DECIDES_WITH_PARENTS_AGE = 12
YOUTH_DECIDES_ALONE_AGE = 16


@dataclass(frozen=True)
class AgeRule:
    parents_needed: bool
    youth_needed: bool

    @property
    def label(self) -> str:
        if self.parents_needed and self.youth_needed:
            return "youth_and_parents"
        return "parents" if self.parents_needed else "youth"


def rule_for_age(age: int) -> AgeRule:
    if age < CHILD_DECIDES_WITH_PARENTS_AGE:
        return AgeRule(parents_needed=True, youth_needed=False)
    if age < YOUTH_DECIDES_ALONE_AGE:
        return AgeRule(parents_needed=True, youth_needed=True)
    return AgeRule(parents_needed=False, youth_needed=True)


def may_withdraw(age: int, capacity: str) -> bool:
    rule = rule_for_age(age)
    return (capacity == Capacity.PARENT and rule.parents_needed) or (capacity == Capacity.YOUTH and rule.youth_needed)
