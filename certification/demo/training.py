"""Demo: training."""


def seed(world: dict) -> None:
    pass
