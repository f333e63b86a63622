"""Weights learnt from the hub's own partners: expectation-maximisation, the stored model and
the command line."""

from __future__ import annotations

import random
from collections.abc import Iterator
from pathlib import Path

import pytest

from graph_schema import matching as rules
from hub.mastering import training
from hub.mastering.compare import compare
from hub.mastering.profile import profile
from hub.mastering.weights import DECLARED, Weights, declared
from hub.store.temporal import utc_now
from tests.harness import RunningHub, hub_command
from tests.test_matching import munich, person, unique, upsert


def _synthetic(seed: int) -> tuple[list[training.Vector], list[training.Vector]]:
    """Blocked pairs of which a third are true pairs (agreeing on most features), and random
    pairs (disagreeing on most)."""
    rng = random.Random(seed)

    def pair(true: bool) -> training.Vector:
        agree = 0.9 if true else 0.1
        return {
            f: 0 if rng.random() < agree else len(rules.LEVELS[f])
            for f in ("lastName", "firstName", "birthDate", "street", "city")
        }

    blocked = [pair(rng.random() < 1 / 3) for _ in range(3000)]
    unrelated = [pair(False) for _ in range(3000)]
    return blocked, unrelated


def test_expectation_maximisation_finds_the_true_pairs_share_and_weights() -> None:
    blocked, unrelated = _synthetic(5)
    found = training.estimate(blocked, unrelated)
    assert 0.25 < found.match_share < 0.42
    weights = found.weights()
    for feature in ("lastName", "birthDate", "city"):
        agree, *_, disagree = weights.levels[feature]
        assert agree > 2.5 and disagree < -1.5, (feature, weights.levels[feature])
    assert found == training.estimate(blocked, unrelated)  # deterministic for its input


def test_learnt_weights_never_rise_from_a_closer_level_to_a_looser_one() -> None:
    assert training._ordered((7.3, 5.9, -7.6, -2.1)) == (7.3, 5.9, -2.1, -2.1)
    assert training._ordered((5.0, 6.0, 1.0, -1.0)) == (5.0, 5.0, 1.0, -1.0)


def test_a_learnt_disagreement_never_counts_for_less_than_declared() -> None:
    declared_disagreement = declared("lastName")[-1]
    last = len(declared("lastName")) - 1
    assert training._bounded("lastName", last, -1.0, support=500) == declared_disagreement
    assert training._bounded("lastName", last, -20.0, support=500) == declared_disagreement - 4
    assert training._bounded("lastName", 0, 20.0, support=500) == declared("lastName")[0] + 4


def test_too_few_pairs_are_refused() -> None:
    blocked, unrelated = _synthetic(1)
    with pytest.raises(training.TrainingError, match="at least 100"):
        training.estimate(blocked[:50], unrelated)


def test_a_model_leaves_the_features_it_did_not_learn_declared() -> None:
    model = Weights(rules.PRIOR, {"lastName": (1.0, 0.5, 0.2, -1.0)}, version=3)
    assert model.weight("lastName", 1.0) == 1.0
    assert model.weight("lastName", 0.1) == -1.0
    assert model.weight("birthDate", 1.0) == declared("birthDate")[0]
    a = profile(person("CRM", "1", "Anna", "Huber", birthDate="1970-01-02", addresses=munich()))
    b = profile(person("ERP", "2", "Anna", "Huber", birthDate="1970-01-02", addresses=munich()))
    last = next(f for f in compare(a, b, weights=model).features if f.feature == "lastName")
    assert last.weight == 1.0
    assert compare(a, b).features == compare(a, b, weights=DECLARED).features


@pytest.fixture
def no_model_afterwards(hub: RunningHub) -> Iterator[None]:
    """A trained model changes matching for every later test: it is removed again."""
    yield
    hub.run(hub.store.query("MATCH (m:MatchModel) DETACH DELETE m"))


@pytest.mark.usefixtures("no_model_afterwards")
def test_a_trained_model_is_stored_versioned_and_used_for_matching(hub: RunningHub) -> None:
    for n in range(6):  # pairs that share blocking keys: the same person from two systems
        last = unique("Trn")
        data = person("CRM", f"c-{last}", "Jana", last, birthDate=f"198{n}-03-04",
                      addresses=munich("Birkenweg", str(n + 1)))  # fmt: skip
        upsert(hub, data)
        upsert(hub, {**data, "source": {"system": "DEALER", "key": f"d-{last}"}})
    # A test's handful of partners is far below what a model should be learnt from.
    first = hub.run(training.train(hub.store, utc_now(), seed=4, pairs=2000, min_pairs=5))
    again = hub.run(training.train(hub.store, utc_now(), seed=4, pairs=2000, min_pairs=5))
    assert again.weights.version == first.weights.version + 1
    assert again.weights.levels == first.weights.levels  # the same data and seed
    assert first.blocked > 0 and first.random > 0
    in_use = hub.run(training.current(hub.store))
    assert in_use.version == again.weights.version
    assert in_use.levels == again.weights.levels
    assert "model version" in training.render(in_use)[0]


def test_hub_match_prints_the_weights_and_refuses_to_train_on_nothing(tmp_path: Path) -> None:
    env = {"HUB_DATA_DIR": str(tmp_path / "data")}
    shown = hub_command("match", "--model", env=env, cwd=tmp_path)
    assert shown.returncode == 0, shown.stderr
    assert "declared weights" in shown.stdout
    assert "birthDate" in shown.stdout
    refused = hub_command("match", "--train", env=env, cwd=tmp_path)
    assert refused.returncode == 1
    assert "no pairs of partners to learn from" in refused.stderr
