"""The waiting slots on their own: a bound per process and a cap per client."""

from __future__ import annotations

import threading

from webapp.waiting import Waiters


def test_refuses_a_slot_once_all_are_taken():
    waiters = Waiters(slots=2, per_client=2)
    assert waiters.try_acquire("a").held
    assert waiters.try_acquire("b").held
    refused = waiters.try_acquire("c")
    assert not refused.held
    assert "Every waiting slot" in refused.reason


def test_one_client_cannot_take_more_than_its_share():
    waiters = Waiters(slots=4, per_client=1)
    assert waiters.try_acquire("abuser").held
    refused = waiters.try_acquire("abuser")
    assert not refused.held
    assert "This client" in refused.reason
    assert waiters.try_acquire("someone else").held
    assert waiters.in_use == 2


def test_a_released_slot_can_be_taken_again():
    waiters = Waiters(slots=1, per_client=1)
    with waiters.slot("a") as slot:
        assert slot.held
        assert not waiters.try_acquire("b").held
    assert waiters.in_use == 0
    assert waiters.try_acquire("b").held


def test_a_refused_slot_releases_nothing():
    waiters = Waiters(slots=1, per_client=1)
    assert waiters.try_acquire("a").held
    with waiters.slot("b") as slot:
        assert not slot.held
    assert waiters.in_use == 1
    assert not waiters.try_acquire("c").held


def test_the_slot_is_released_when_the_wait_raises():
    waiters = Waiters(slots=1, per_client=1)
    try:
        with waiters.slot("a"):
            raise RuntimeError("the database went away")
    except RuntimeError:
        pass
    assert waiters.in_use == 0


def test_never_more_holders_than_slots_under_contention():
    waiters = Waiters(slots=3, per_client=100)
    start = threading.Barrier(16)
    held = []

    def grab(index: int) -> None:
        start.wait(10)
        held.append(waiters.try_acquire(f"client-{index % 5}").held)

    threads = [threading.Thread(target=grab, args=(i,)) for i in range(16)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert held.count(True) == 3
    assert waiters.in_use == 3
