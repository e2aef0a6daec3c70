"""Deterministic synthetic knowledge folders for the scale benchmarks.

Markdown files with front matter; paragraphs of 40-120 words drawn from a Zipf-distributed
vocabulary of pronounceable made-up words, in sentences of 6-18 words; 100 paragraphs per
file. The same (passages, seed) always gives byte-identical files.
"""

from __future__ import annotations

import random
from pathlib import Path

import numpy as np

PASSAGES_PER_FILE = 100
VOCABULARY = 50_000
_ONSETS = "b c d f g h j k l m n p r s t v w z br ch dr fl gr kl pr sh st th tr".split()
_VOWELS = "a e i o u ai ea io ou".split()
_CODAS = "n r s t l m nd st rk".split() + [""] * 4


def vocabulary(size: int = VOCABULARY, seed: int = 7) -> list[str]:
    """``size`` distinct made-up words, most frequent first."""
    rng = random.Random(seed)
    words: list[str] = []
    seen: set[str] = set()
    while len(words) < size:
        syllables = rng.choice((1, 2, 2, 3, 3, 4))
        word = "".join(rng.choice(_ONSETS) + rng.choice(_VOWELS) + rng.choice(_CODAS) for _ in range(syllables))
        if word not in seen and len(word) >= 3:
            seen.add(word)
            words.append(word)
    return words


class Generator:
    """Draws Zipf-distributed words and writes paragraphs and questions."""

    def __init__(self, seed: int = 1, size: int = VOCABULARY) -> None:
        self.words = vocabulary(size)
        ranks = np.arange(1, size + 1, dtype=np.float64)
        weights = 1.0 / ranks**1.07
        self.cumulative = np.cumsum(weights / weights.sum())
        self.rng = np.random.default_rng(seed)
        self.py = random.Random(seed)

    def _draw(self, n: int) -> list[str]:
        picks = np.searchsorted(self.cumulative, self.rng.random(n))
        return [self.words[min(int(i), len(self.words) - 1)] for i in picks]

    def paragraph(self) -> str:
        """40-120 words in sentences of 6-18 words."""
        total = self.py.randint(40, 120)
        words = self._draw(total)
        sentences, i = [], 0
        while i < total:
            length = min(self.py.randint(6, 18), total - i)
            chunk = words[i : i + length]
            sentences.append(chunk[0].capitalize() + (" " + " ".join(chunk[1:]) if len(chunk) > 1 else "") + ".")
            i += length
        return " ".join(sentences)

    def question(self, paragraph: str) -> str:
        """Two to five words of a paragraph, sometimes with a word from elsewhere."""
        words = [w.strip(".").lower() for w in paragraph.split()]
        picked = self.py.sample(words, min(len(words), self.py.randint(2, 5)))
        if self.py.random() < 0.3:
            picked += self._draw(1)
        return "what about " + " ".join(picked) + "?"


def write_folder(folder: Path, passages: int, seed: int = 1) -> list[str]:
    """Write ``passages`` paragraphs into ``folder`` (100 per file); returns some sample paragraphs."""
    folder.mkdir(parents=True, exist_ok=True)
    generator = Generator(seed)
    samples: list[str] = []
    files = (passages + PASSAGES_PER_FILE - 1) // PASSAGES_PER_FILE
    written = 0
    for f in range(files):
        count = min(PASSAGES_PER_FILE, passages - written)
        paragraphs = [generator.paragraph() for _ in range(count)]
        written += count
        if len(samples) < 2000:
            samples.extend(paragraphs[:3])
        head = f"---\ntitle: Synthetic document {f}\nauthor: Writer {f % 97}\npublisher: Bench Press\n---\n\n"
        (folder / f"doc{f:06d}.md").write_text(head + "\n\n".join(paragraphs) + "\n", encoding="utf-8")
    return samples


def questions(samples: list[str], count: int, seed: int = 2) -> list[str]:
    """``count`` questions built from sample paragraphs."""
    generator = Generator(seed)
    return [generator.question(samples[i % len(samples)]) for i in range(count)]
