"""Demo: environments."""


def seed(world: dict) -> None:
    pass
