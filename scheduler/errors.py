"""Errors of the composition root."""


class ConfigError(Exception):
    """config.toml is invalid; carries every problem found, each naming its key."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        super().__init__("invalid configuration:\n  " + "\n  ".join(problems))
