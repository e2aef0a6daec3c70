"""The fast index must give rank-bm25's exact scores and order (it is the reference)."""

import random

import numpy as np
import pytest

from bot.knowledge.documents import Document, Metadata
from bot.knowledge.passages import Layout
from bot.search.index import Bm25Params, Index, TermBundle, top_k


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
    """Build the index straight from token lists, split over a few documents.

    Each passage is one sentence here; passage 0 of each document stands for the about
    passage, so every document carries one extra empty passage at its start.
    """
    documents, layouts, bundles = [], [], []
    chunks = np.array_split(np.arange(len(corpus)), docs)
    for d, chunk in enumerate(chunks):
        meta = Metadata(title=f"T{d}", author="A", publisher="P")
        documents.append(Document(f"d{d}", f"d{d}.md", meta, "body", 1, f"h{d}"))
        local: dict[str, int] = {}
        unit_ptr, ids, counts = [0, 0], [], []
        for i in chunk:
            tally: dict[int, int] = {}
            for token in corpus[i]:
                tid = local.setdefault(token, len(local))
                tally[tid] = tally.get(tid, 0) + 1
            ids += list(tally)
            counts += list(tally.values())
            unit_ptr.append(len(ids))
        n = len(chunk) + 1
        layouts.append(
            Layout(
                paragraphs=np.arange(n, dtype=np.int32),
                starts=np.zeros(n, np.int32),
                ends=np.full(n, 4, np.int32),
                sentence_ptr=np.arange(n + 1, dtype=np.int32),
                sentence_starts=np.zeros(n, np.int32),
                sentence_ends=np.full(n, 4, np.int32),
                heading_ids=np.full(n, -1, np.int32),
            )
        )
        bundles.append(
            TermBundle(
                tuple(local),
                np.array(unit_ptr, dtype=np.int64),
                np.array(ids, dtype=np.int32),
                np.array(counts, dtype=np.int32),
            )
        )
    return Index.build(documents, layouts, bundles, params)


def with_about(corpus: list[list[str]], docs: int = 3) -> list[list[str]]:
    """The corpus as the index sees it: an empty about passage before each document's passages."""
    out: list[list[str]] = []
    for chunk in np.array_split(np.arange(len(corpus)), docs):
        out.append([])
        out.extend(corpus[i] for i in chunk)
    return out


VARIANTS = [Bm25Params("okapi"), Bm25Params("l"), Bm25Params("plus"), Bm25Params("okapi", k1=1.2, b=0.5)]


@pytest.mark.parametrize("params", VARIANTS, ids=lambda p: f"{p.variant}-{p.k1}-{p.b}")
@pytest.mark.parametrize(("seed", "size"), [(1, 2), (2, 10), (3, 200), (4, 1500)])
def test_scores_equal_rank_bm25_on_every_matching_passage(params, seed, size):
    corpus = random_corpus(seed, size, vocabulary=max(5, size // 3))
    index = index_of(corpus, params)
    corpus = with_about(corpus)
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
    corpus = with_about(corpus)
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
    corpus = with_about(corpus)
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
    corpus = [["a", "b"], ["a", "c"], ["a"], ["d"], ["e"]]  # plus the empty about passage: 3 of 6
    index = index_of(corpus, Bm25Params("okapi"), docs=1)
    ordinals, scores = index.score(index.term_ids(["a"]))
    assert ordinals.tolist() == [1, 2, 3]
    assert scores.tolist() == [0.0, 0.0, 0.0]


def test_document_filter_restricts_candidates():
    corpus = [["x"], ["x"], ["x"], ["x"], ["x"], ["x"]]
    index = index_of(corpus, Bm25Params(), docs=3)
    lo, hi = index.doc_ranges["d1"]
    hits = index.search(index.term_ids(["x"]), 10, within=(lo, hi))
    assert [h.ordinal for h in hits] == list(range(lo + 1, hi))


@pytest.mark.parametrize("params", VARIANTS[:3], ids=lambda p: p.variant)
def test_maxscore_top_k_equals_scoring_everything(params):
    corpus = random_corpus(21, 1200, vocabulary=400)
    index = index_of(corpus, params, docs=4)
    rng = random.Random(22)
    vocabulary = sorted(index.vocab)
    for trial in range(300):
        concepts = []
        for _ in range(rng.randint(1, 5)):
            forms = []
            for _ in range(rng.choice((1, 1, 1, 2, 3))):
                terms = tuple(index.vocab[t] for t in rng.sample(vocabulary, rng.choice((1, 1, 2))))
                forms.append((terms, rng.choice((1.0, 1.0, 0.6, 0.5))))
            concepts.append(forms)
        k = rng.choice((1, 3, 5, 20))
        within = index.doc_ranges["d2"] if trial % 7 == 0 else None
        expected = top_k(*index.score_concepts(concepts, within), k)
        assert index.top_concepts(concepts, k, within) == expected
