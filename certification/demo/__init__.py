"""The certification part of the demo world (called by `seed-demo` after the KB's).

In order: training sessions, their quizzes, certifications, reproduction environments.
"""

from certification.demo import certifications, environments, quizzes, training


def seed(world: dict) -> None:
    training.seed(world)
    quizzes.seed(world)
    certifications.seed(world)
    environments.seed(world)
