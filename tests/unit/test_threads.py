"""The thread tuner keeps the count whose steps are faster, from step times it is given."""

from rnn_tui.engine.threads import FIRST_PROBE_SECONDS, PROBE_SECONDS, PROBE_STEPS, ThreadTuner


def drive(tuner: ThreadTuner, seconds_on: dict[int, float], steps: int) -> list[int]:
    """Feed the tuner `steps` steps, each taking the time its current count takes; the counts used."""
    threads, used = tuner.threads, []
    for _ in range(steps):
        used.append(threads)
        if (chosen := tuner.observe(seconds_on[threads])) is not None:
            threads = chosen
    return used


def test_beside_a_busy_core_it_moves_to_one_thread_at_its_first_probe_and_stays():
    tuner = ThreadTuner(most=2)
    used = drive(tuner, {1: 0.07, 2: 0.22}, steps=400)
    assert used[0] == 2 and tuner.threads == 1 and tuner.switches == 1
    first_probe = int(FIRST_PROBE_SECONDS / 0.22) + 1
    assert used[first_probe:first_probe + PROBE_STEPS + 1] == [1] * (PROBE_STEPS + 1)
    later = used[first_probe + PROBE_STEPS + 1:]  # on one thread but for a probe of two every PROBE_SECONDS
    assert later.count(2) <= (PROBE_STEPS + 1) * (1 + int(len(later) * 0.07 / PROBE_SECONDS))
    assert later[:int(PROBE_SECONDS / 0.07) - 1] == [1] * (int(PROBE_SECONDS / 0.07) - 1)


def test_on_an_idle_machine_it_keeps_every_core_and_still_probes():
    tuner = ThreadTuner(most=2)
    used = drive(tuner, {1: 0.07, 2: 0.048}, steps=2000)
    assert tuner.threads == 2 and tuner.switches == 0
    probes = sum(1 for a, b in zip(used, used[1:]) if a == 2 and b == 1)
    assert probes >= int(2000 * 0.048 / PROBE_SECONDS)  # it keeps looking, as the load may change


def test_when_the_load_goes_away_it_comes_back_to_every_core():
    tuner = ThreadTuner(most=2)
    drive(tuner, {1: 0.07, 2: 0.22}, steps=200)
    assert tuner.threads == 1
    drive(tuner, {1: 0.07, 2: 0.048}, steps=int(2 * PROBE_SECONDS / 0.07))
    assert tuner.threads == 2 and tuner.switches == 2


def test_a_small_difference_is_not_worth_a_switch():
    tuner = ThreadTuner(most=2)
    drive(tuner, {1: 0.050, 2: 0.051}, steps=3000)
    assert tuner.threads == 2 and tuner.switches == 0


def test_one_core_leaves_nothing_to_choose():
    tuner = ThreadTuner(most=1)
    assert drive(tuner, {1: 0.1}, steps=500) == [1] * 500
