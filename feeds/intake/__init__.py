"""The one door in: raw items from every source kind become archived articles here."""

from feeds.intake.take import IntakeResult, IntakeRules, feeds_of, take, take_all

__all__ = ["IntakeResult", "IntakeRules", "feeds_of", "take", "take_all"]
