"""Demo: certifications."""


def seed(world: dict) -> None:
    pass
