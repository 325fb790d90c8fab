"""The model's Mesa agents: every actor a Mesa agent made and registered as Mesa makes one (``Actor.__init__``
writes Mesa's ``Agent.__init__`` out, for speed)."""

from __future__ import annotations

import mesa
from conftest import compose_small
from mesa.experimental.mesa_signals.signal_types import ModelSignals

from simulation.model.agents import Actor
from simulation.model.model import TerritorialModel


def test_every_actor_is_a_registered_mesa_agent_in_row_order() -> None:
    model = TerritorialModel(compose_small([], seed=0, horizon=1))
    actors = model.actor_agents
    assert [a.index for a in actors] == list(range(model.actors.n))
    assert list(model.agents_by_type[Actor]) == actors
    assert all(a in model.agents for a in actors)
    ids = [a.unique_id for a in actors]
    assert ids == list(range(ids[0], ids[0] + len(ids)))


def test_an_actor_is_made_as_mesa_makes_an_agent() -> None:
    """The same attributes as a plain Mesa agent's (and its row), the next unique id, Mesa's signal sent."""
    model = TerritorialModel(compose_small([], seed=0, horizon=1))
    added: list[object] = []

    def on_added(signal: object) -> None:
        added.append(signal)

    model.observe("agents", ModelSignals.AGENT_ADDED, on_added)
    plain = mesa.Agent(model)
    actor = Actor(model, 3)
    assert set(vars(actor)) == set(vars(plain)) | {"index"}
    assert (actor.model, actor.pos, actor.unique_id, actor.index) == (model, plain.pos, plain.unique_id + 1, 3)
    assert actor in model.agents and actor in model.agents_by_type[Actor]
    assert len(added) == 2
