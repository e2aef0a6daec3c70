"""The fast index must give rank-bm25's exact scores and order (it is the reference)."""

import random

import numpy as np
import pytest

from bot.documents import Document, Metadata
from bot.index import Bm25Params, Index, TermBundle, top_k
from bot.passages import Passage
from bot.text import Span


def random_corpus(seed: int, passages: int, vocabulary: int) -> list[list[str]]:
    rng = random.Random(seed)
    words = [f"w{i}" for i in range(vocabulary)]
    weights = [1 / (i + 1) for i in range(vocabulary)]  # Zipf-like
    corpus = []
    for _ in range(passages):
        length = rng.randint(0, 40)
        corpus.append(rng.choices(words, weights, k=length))
    return corpus


def index_of(corpus: list[list[str]], params: Bm25Params, docs: int = 3) -> Index:
    """Build the index straight from token lists, split over a few documents."""
    documents, passages, bundles = [], [], []
    chunks = np.array_split(np.arange(len(corpus)), docs)
    for d, chunk in enumerate(chunks):
        meta = Metadata(title=f"T{d}", author="A", publisher="P")
        documents.append(Document(f"d{d}", f"d{d}.md", meta, "body", 1, f"h{d}"))
        local: dict[str, int] = {}
        offsets, ids, counts, lengths = [0], [], [], []
        doc_passages = []
        for i in chunk:
            tally: dict[int, int] = {}
            for token in corpus[i]:
                tid = local.setdefault(token, len(local))
                tally[tid] = tally.get(tid, 0) + 1
            ids += list(tally)
            counts += list(tally.values())
            offsets.append(len(ids))
            lengths.append(len(corpus[i]))
            doc_passages.append(Passage(f"d{d}", int(i) + 1, 0, 4, (Span(0, 4),), source="body"))
        bundles.append(
            TermBundle(
                tuple(local),
                np.array(offsets, dtype=np.int64),
                np.array(ids, dtype=np.int32),
                np.array(counts, dtype=np.int32),
                np.array(lengths, dtype=np.int32),
            )
        )
        passages.append(doc_passages)
    return Index.build(documents, passages, bundles, params)


VARIANTS = [Bm25Params("okapi"), Bm25Params("l"), Bm25Params("plus"), Bm25Params("okapi", k1=1.2, b=0.5)]


@pytest.mark.parametrize("params", VARIANTS, ids=lambda p: f"{p.variant}-{p.k1}-{p.b}")
@pytest.mark.parametrize(("seed", "size"), [(1, 2), (2, 10), (3, 200), (4, 1500)])
def test_scores_equal_rank_bm25_on_every_matching_passage(params, seed, size):
    corpus = random_corpus(seed, size, vocabulary=max(5, size // 3))
    index = index_of(corpus, params)
    reference = params.reference(corpus)
    rng = random.Random(seed + 100)
    vocabulary = sorted({t for doc in corpus for t in doc}) or ["w0"]
    for _ in range(60):
        query = rng.choices([*vocabulary, "unknown"], k=rng.randint(1, 6))
        full = reference.get_scores(query)
        ordinals, scores = index.score(index.term_ids(query))
        np.testing.assert_allclose(scores, full[ordinals], rtol=0, atol=1e-9)
        matching = [i for i, doc in enumerate(corpus) if set(query) & set(doc)]
        assert sorted(ordinals.tolist()) == matching


@pytest.mark.parametrize("params", VARIANTS[:3], ids=lambda p: p.variant)
def test_pruned_top_k_equals_full_ranking(params):
    corpus = random_corpus(7, 800, vocabulary=300)
    index = index_of(corpus, params)
    reference = params.reference(corpus)
    rng = random.Random(8)
    vocabulary = sorted({t for doc in corpus for t in doc})
    for _ in range(100):
        query = rng.choices(vocabulary, k=rng.randint(1, 5))
        full = reference.get_scores(query)
        matching = [i for i, doc in enumerate(corpus) if set(query) & set(doc)]
        expected = sorted(matching, key=lambda i: (-full[i], i))[:5]
        hits = index.search(index.term_ids(query), 5)
        assert [h.ordinal for h in hits] == expected
        np.testing.assert_allclose([h.score for h in hits], full[expected], rtol=0, atol=1e-9)


def test_concept_scoring_is_a_max_over_forms_of_mean_term_scores():
    params = Bm25Params("plus")
    corpus = random_corpus(11, 300, vocabulary=60)
    index = index_of(corpus, params)
    reference = params.reference(corpus)
    a, b, c = (index.vocab[t] for t in ("w1", "w7", "w20"))
    concepts = [[((a,), 1.0)], [((b, c), 1.0), ((c,), 0.5)]]
    ordinals, scores = index.score_concepts(concepts)
    expected = reference.get_scores(["w1"]) + np.maximum(
        (reference.get_scores(["w7"]) + reference.get_scores(["w20"])) / 2, 0.5 * reference.get_scores(["w20"])
    )
    np.testing.assert_allclose(scores, expected[ordinals], rtol=0, atol=1e-9)
    single = index.score_concepts([[((a,), 1.0)]])
    plain = index.score([(a, 1.0)])
    np.testing.assert_array_equal(single[0], plain[0])
    np.testing.assert_allclose(single[1], plain[1], rtol=0, atol=1e-12)


def test_top_k_is_deterministic_under_ties():
    ordinals = np.array([9, 3, 5, 1, 7])
    scores = np.array([1.0, 2.0, 1.0, 2.0, 1.0])
    assert top_k(ordinals, scores, 3) == [(1, 2.0), (3, 2.0), (5, 1.0)]
    assert top_k(ordinals, scores, 10) == [(1, 2.0), (3, 2.0), (5, 1.0), (7, 1.0), (9, 1.0)]
    assert top_k(ordinals, scores, 0) == []
    assert top_k(np.array([], dtype=int), np.array([]), 3) == []


def test_okapi_term_in_half_the_passages_still_matches():
    # rank-bm25 gives such a term an IDF of 0 (issue #39); matching is decided by postings.
    corpus = [["a", "b"], ["a", "c"], ["d"], ["e"]]
    index = index_of(corpus, Bm25Params("okapi"), docs=1)
    ordinals, scores = index.score(index.term_ids(["a"]))
    assert ordinals.tolist() == [0, 1]
    assert scores.tolist() == [0.0, 0.0]


def test_document_filter_restricts_candidates():
    corpus = [["x"], ["x"], ["x"], ["x"], ["x"], ["x"]]
    index = index_of(corpus, Bm25Params(), docs=3)
    lo, hi = index.doc_ranges["d1"]
    hits = index.search(index.term_ids(["x"]), 10, within=(lo, hi))
    assert [h.ordinal for h in hits] == list(range(lo, hi))
