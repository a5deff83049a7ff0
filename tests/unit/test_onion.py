"""The error onion and where the edge lies (Karpathy, Johnson and Fei-Fei 2015, sections 5 and 4.3)."""

import numpy as np

from rnn_tui.engine.counting import PassageCounts
from rnn_tui.engine.insight.edge import BUCKETS, closers, edge
from rnn_tui.engine.insight.onion import ORACLES, network_guesses, onion_of, peel, remembered
from rnn_tui.engine.inspection import Inspection


def counts_for(text: str, best: float = 0.1, rare: set[int] = frozenset(), sure: set[int] = frozenset()):
    probs = np.full((5, len(text)), best)
    for t in sure:
        probs[4, t] = 0.9  # the 5-gram predicts it
    mask = np.zeros(len(text), dtype=bool)
    mask[list(rare)] = True
    return PassageCounts(probs, mask, 5)


def test_each_planted_error_falls_in_the_layer_it_must():
    text = "abcdef abcdefX Quux, zo wK"
    p = np.full(len(text), 0.9)
    rank = np.zeros(len(text), dtype=np.int64)
    cases = {
        3: "n-gram",  # 'd': the 5-gram gives it 0.9
        13: "unexplained",  # 'X' after "abcdef": nothing explains it
        12: "dynamic memory",  # "f" followed "abcde" before: the same 5 characters, the same one
        16: "rare words",  # inside "Quux", a word the training text barely has
        21: "word start",  # 'z'
        19: "punctuation",  # ','
        25: "boost",  # 'K': the network's second choice
    }
    for t in cases:
        p[t] = 0.2
    rank[25] = 1
    rank[13] = 5
    found = peel(text, p, rank, counts_for(text, sure={3}, rare={15, 16, 17, 18}))
    for t, oracle in cases.items():
        assert ORACLES[found.layer[t]] == oracle, (t, text[t])
    assert found.errors == len(cases) and sum(found.counts()) == found.errors
    shares = [layer["share"] for layer in found.to_dict()["layers"]]
    assert abs(sum(shares) - 1) < 1e-3


def test_a_character_the_network_gave_half_or_more_is_no_error():
    text = "hello world"
    found = peel(text, np.full(len(text), 0.5), np.zeros(len(text), dtype=np.int64), counts_for(text))
    assert found.errors == 0 and (found.layer == -1).all() and found.chars == len(text) - 1


def test_dynamic_memory_is_the_same_character_after_the_same_five():
    text = "abcdeX abcdeX abcdeY"
    memory = remembered(text)
    assert memory[12] and not memory[5] and not memory[19]


def test_the_networks_guesses_come_from_the_prediction_made_before_each_character():
    vocab = "abc"
    text = "abca"
    log_probs = np.log(np.array([[0.1, 0.6, 0.3], [0.2, 0.2, 0.6], [0.7, 0.2, 0.1], [0.3, 0.3, 0.4]]))
    inspection = Inspection(text, vocab, [], log_probs, np.zeros(4))
    p, rank = network_guesses(inspection)
    assert np.allclose(p, [1.0, 0.6, 0.6, 0.7]) and rank.tolist() == [0, 0, 0, 0]
    found = onion_of(inspection, counts_for(text))
    assert found.errors == 0


def test_the_edge_chart_counts_every_closing_bracket_and_quote_once_by_distance():
    text = 'f(a) g[1, 2] {"key": (x + y)} ' + "(" + "z" * 60 + ")" + ' "open'
    found = closers(text)
    assert len(found) == sum(text.count(c) for c in ")]}") + 1  # one closed pair of quotes
    assert (text.index(")"), 2) in found
    p_net, p_ngram = np.linspace(0, 1, len(text)), np.full(len(text), 0.25)
    buckets = edge(text, p_net, p_ngram)
    assert [(b.start, b.end) for b in buckets] == list(BUCKETS)
    assert sum(b.count for b in buckets) == len(found)
    far = buckets[-1]
    assert far.count == 1 and far.label == "51+" and far.ngram_p == 0.25
    assert far.network_p == p_net[text.rindex(")")]
    assert np.isnan(buckets[3].network_p) or buckets[3].count > 0
    assert buckets[0].to_dict()["from"] == 1
