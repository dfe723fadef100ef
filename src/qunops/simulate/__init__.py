"""Synthetic communities: a seeded generator of realistic chat groups, with the truth it planted.

`simulate(SimulationConfig(...))` plans a workspace of groups on WeChat, QQ and Telegram with known fates
(launching, thriving, steady, cooling, dormant, dead, completed), invitation cascades, heavy-tailed
talkers, answerers, opinion leaders, red packets and spam campaigns; `Community.events()` streams their
events lazily, and `Community.truth` says what was planted so analytics can be checked against it.
"""

from qunops.simulate.model import FATES, Community, PlantedTruth, SimulationConfig
from qunops.simulate.plan import simulate

__all__ = ["FATES", "Community", "PlantedTruth", "SimulationConfig", "simulate"]
