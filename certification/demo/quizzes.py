"""Demo: quizzes."""


def seed(world: dict) -> None:
    pass
