"""The one door in: raw items from every way in become archived articles here.

`take_all` (or `take`, in a transaction of its own) is the door for polls, the drop folder
and the push API; `renormalize` re-takes stored raw items with today's rules, `preview`
shows what a poll would make, and `push` adds the audit trail and withdrawals. Only this
package normalizes (feeds/intake/normal.py) and writes articles.
"""

from feeds.intake.rules import IntakeResult, IntakeRules
from feeds.intake.take import take, take_all

__all__ = ["IntakeResult", "IntakeRules", "take", "take_all"]
