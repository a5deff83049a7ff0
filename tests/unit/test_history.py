from rnn_tui.engine.history import History


def test_history_stays_bounded_and_keeps_the_shape():
    h = History(capacity=64)
    for step in range(1, 10_001):
        h.append(step, 1000.0 / step)
    assert len(h) < 64
    assert h.xs == sorted(h.xs) and h.xs[0] < 200 and h.xs[-1] > 9_000
    assert h.ys[0] > h.ys[len(h) // 2] > h.ys[-1]  # still a falling curve
    assert h.last() == 1000.0 / 10_000


def test_history_round_trips_through_plain_data():
    h = History(capacity=8)
    for step in range(21):
        h.append(step, step * 2.0)
    restored = History.from_dict(h.to_dict())
    restored.append(21, 42.0)
    h.append(21, 42.0)
    assert (restored.xs, restored.ys) == (h.xs, h.ys)

