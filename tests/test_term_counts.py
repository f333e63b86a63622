"""Term counts of the API's upserts: counted once committed, written a moment later."""

from __future__ import annotations

import time
from collections.abc import Mapping
from pathlib import Path
from typing import Any, cast

import pytest

from hub.errors import DatabaseUnavailable
from hub.mastering.common_terms import ALL, CommonTerms, least_common
from hub.mastering.compare import compare
from hub.mastering.matcher import Frequencies, _Layered
from hub.mastering.profile import profile
from hub.mastering.tally import TermTally
from hub.mastering.weights import DECLARED, declared
from hub.store import Store, Transaction
from loaders.load import Summary
from tests.conftest import make_settings
from tests.harness import RunningHub, serve_beside
from tests.test_loaders import load, partners, write_ndjson
from tests.test_matching import person, unique, upsert


def stored_count(hub: RunningHub, term: str) -> int:
    rows = hub.run(
        hub.store.query("MATCH (x:MatchTerm {term: $t}) RETURN x.count AS n", {"t": term})
    )
    return int(rows[0]["n"]) if rows else 0


def test_an_api_upsert_counts_its_values_once_and_writes_them_a_moment_later(
    hub: RunningHub,
) -> None:
    last = unique("Tally")
    term = f"personName:{profile({'kind': 'PERSON', 'lastName': last}).last}"
    tally = hub.services.matcher.tally
    assert tally is not None
    data = person("CRM", f"c-{last}", "Ida", last)

    upsert(hub, data)
    # Counted at once: waiting in the process that matches with it, or written already.
    assert tally.pending(term) == 1 or stored_count(hub, term) == 1
    deadline = time.monotonic() + 15
    while (stored_count(hub, term), tally.pending(term)) != (1, 0):
        assert time.monotonic() < deadline, (stored_count(hub, term), tally.pending(term))
        time.sleep(0.1)

    # The same source again is the same partner, not another one to count.
    upsert(hub, data)
    assert tally.pending(term) == 0
    assert stored_count(hub, term) == 1


class _Unavailable:
    """A store whose database is away: every write fails."""

    async def write(self, work: Any) -> None:
        raise DatabaseUnavailable("the database is unavailable: test")


def test_counts_that_cannot_be_written_wait_for_the_next_write(hub: RunningHub) -> None:
    term = f"personName:{unique('waiting')}"
    tally = TermTally(delay=0)
    tally.add([(term, 2)])
    tally.add([(term, 1)])
    assert tally.added_to({term: 5, "city:elsewhere": 1}) == {term: 8, "city:elsewhere": 1}

    with pytest.raises(DatabaseUnavailable):
        hub.run(tally.flush(cast(Store, _Unavailable())))
    assert tally.pending(term) == 3, "nothing is lost when the write fails"

    hub.run(tally.flush(hub.store))
    assert tally.pending(term) == 0
    assert stored_count(hub, term) == 3
    hub.run(hub.store.query("MATCH (x:MatchTerm {term: $t}) DELETE x", {"t": term}))


def test_a_load_counts_each_partner_once_also_when_it_is_stopped_and_run_again(
    hub: RunningHub, tmp_path: Path
) -> None:
    first = unique("Lade")
    term = f"personName:{profile({'kind': 'PERSON', 'firstName': first}).first}"
    rows = [{**row, "firstName": first} for row in partners(unique("k"), 6)]
    file = write_ndjson(tmp_path / "partners.ndjson", rows)

    class Killed(Exception):
        """Stands in for Ctrl-C after the first batch was committed."""

    def interrupt(summary: Summary) -> None:
        raise Killed

    with pytest.raises(Killed):
        load(hub, tmp_path, [file], batch_size=2, progress=interrupt)
    assert stored_count(hub, term) == 2, "the partners committed before the stop"
    load(hub, tmp_path, [file], batch_size=2)
    assert stored_count(hub, term) == 6, "the rest, and the first two not again"


def test_a_hub_that_stops_writes_the_counts_still_waiting(hub: RunningHub) -> None:
    last = unique("Halt")
    term = f"personName:{profile({'kind': 'PERSON', 'lastName': last}).last}"
    with serve_beside(hub, make_settings(hub.services.settings.data_dir)) as beside:
        tally = beside.services.matcher.tally
        assert tally is not None
        tally.delay = 3600  # nothing is written while it runs
        upsert(beside, person("CRM", f"c-{last}", "Ida", last))
        assert tally.pending(term) == 1
        assert stored_count(hub, term) == 0
    assert stored_count(hub, term) == 1


def _population(hub: RunningHub) -> int:
    return stored_count(hub, ALL)


def test_common_values_held_in_memory_weigh_as_the_stored_counts_do() -> None:
    # 100,000 partners. An organisation's name has the highest level (10): the line where a
    # count starts to lower a weight is drawn by it.
    population = 100_000
    least = least_common(population, DECLARED)
    counts = {ALL: population}
    around = (1, least - 2, least - 1, least, least + 1, least + 2, 5 * least, 40_000)
    for count in around:
        counts[f"name:firma{count}"] = count
    held = _Layered(
        ({t: n for t, n in counts.items() if n >= least},), lambda term: 0, population, DECLARED
    )
    read = Frequencies(counts)
    weights = {}
    for count in around:
        a = profile({"kind": "ORGANIZATION", "organizationName": f"Firma{count}"})
        (name,) = [f for f in compare(a, a, read).features if f.feature == "name"]
        assert [f for f in compare(a, a, held).features if f.feature == "name"] == [name], count
        weights[count] = name.weight
    top = declared("name")[0]
    # Below the line a count weighs the level, whatever it is; from just above it, less.
    assert weights[least - 1] == weights[1] == top
    assert weights[least + 2] < top and weights[40_000] < weights[5 * least] < top


def test_common_values_are_read_again_when_other_processes_counted_many(
    hub: RunningHub,
) -> None:
    term = f"personName:{unique('common')}"
    tally = TermTally(delay=0)
    common = CommonTerms()
    tally.on_written(common.written)

    def counts() -> tuple[Mapping[str, int], Mapping[str, int]]:
        population = _population(hub)

        async def read(tx: Transaction) -> tuple[Mapping[str, int], Mapping[str, int]]:
            return await common.counts(tx, population, DECLARED)

        return hub.run(hub.store.write(read))

    stored, written = counts()
    assert term not in stored and term not in written

    # This process's counts: waiting in the tally, then written and held at once.
    tally.add([(term, 5_000), (ALL, 0)])
    assert tally.pending(term) == 5_000
    hub.run(tally.flush(hub.store))
    assert tally.pending(term) == 0
    stored, written = counts()
    assert written[term] == 5_000 and term not in stored, "not read again for its own counts"

    # Another process counts many partners: the population moved, the counts are read again.
    added = 1 + _population(hub) // 10
    bump = "MATCH (x:MatchTerm {term: $all}) SET x.count = x.count + $n"
    hub.run(hub.store.query(bump, {"all": ALL, "n": added}))
    try:
        stored, written = counts()
        assert stored[term] == 5_000 and not written
    finally:
        hub.run(hub.store.query(bump, {"all": ALL, "n": -added}))
        hub.run(hub.store.query("MATCH (x:MatchTerm {term: $t}) DELETE x", {"t": term}))
