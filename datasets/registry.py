"""What each data set is made of: files, public URLs, sizes, SHA-256, licence and citation.

The sizes and checksums are those of the original files (see ``shared/datasets/SHA256SUMS``).
Each file lists its mirrors in the order they are tried; MNIST's original host
(yann.lecun.com) refuses downloads nowadays, so only mirrors are listed for it.
"""

from __future__ import annotations

from dataclasses import dataclass, field

__all__ = [
    "BOSTON_B_NOTE",
    "BOSTON_FEATURE_NAMES",
    "DATASETS",
    "Dataset",
    "FileSpec",
    "dataset_names",
    "get_dataset",
]

BOSTON_FEATURE_NAMES: tuple[str, ...] = (
    "CRIM", "ZN", "INDUS", "CHAS", "NOX", "RM", "AGE",
    "DIS", "RAD", "TAX", "PTRATIO", "B", "LSTAT",
)  # fmt: skip

BOSTON_B_NOTE = (
    "Boston housing's feature B is 1000(Bk - 0.63)^2, where Bk is the proportion of Black "
    "residents by town: a race-based variable, built on the 1970s assumption that racial "
    "self-segregation affects house prices. scikit-learn removed this data set in version 1.2 "
    "for this reason. The course keeps it only to reproduce the book's results; do not use "
    "it, or models trained on it, to make decisions about people or places."
)


@dataclass(frozen=True)
class FileSpec:
    """One file of a data set.

    Attributes:
        path: where the file lives inside the data directory, e.g. ``"mnist/t10k-…gz"``.
        size: its length in bytes.
        sha256: its SHA-256, lower-case hex.
        urls: public URLs it can be downloaded from, tried in order.
    """

    path: str
    size: int
    sha256: str
    urls: tuple[str, ...]

    @property
    def name(self) -> str:
        """The file's name without folders."""
        return self.path.rsplit("/", 1)[-1]


@dataclass(frozen=True)
class Dataset:
    """A data set: its files and where it comes from.

    Attributes:
        name: the registry key, e.g. ``"mnist"``.
        title: a human-readable name.
        files: its files.
        license: the licence, as stated by the source.
        citation: what to cite.
        homepage: where it is described.
        note: anything a user must know before using it (empty for most).
    """

    name: str
    title: str
    files: tuple[FileSpec, ...]
    license: str
    citation: str
    homepage: str
    note: str = ""
    _index: dict[str, FileSpec] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {spec.path: spec for spec in self.files})

    @property
    def size(self) -> int:
        """All its files' bytes."""
        return sum(spec.size for spec in self.files)

    def file(self, path: str) -> FileSpec:
        """The file whose registry path (or bare name) is ``path``."""
        if path in self._index:
            return self._index[path]
        for spec in self.files:
            if spec.name == path:
                return spec
        raise ValueError(f"data set {self.name!r} has no file {path!r}")


_OSSCI = "https://ossci-datasets.s3.amazonaws.com/mnist/"
_CVDF = "https://storage.googleapis.com/cvdf-datasets/mnist/"
_ZALANDO_S3 = "http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/"
_ZALANDO_GH = (
    "https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/"
    "b2617bb6d3ffa2e429640350f613e3291e10b141/"
)
_MLXTEND = "https://raw.githubusercontent.com/rasbt/mlxtend/"
_BOSTON_PATH = "mlxtend/data/data/boston_housing.csv"


def _idx_files(folder: str, bases: tuple[str, ...], sums: dict[str, tuple[int, str]]):
    return tuple(
        FileSpec(f"{folder}/{name}", size, sha, tuple(base + name for base in bases))
        for name, (size, sha) in sums.items()
    )


MNIST = Dataset(
    name="mnist",
    title="MNIST handwritten digits",
    files=_idx_files(
        "mnist",
        (_OSSCI, _CVDF),
        {
            "train-images-idx3-ubyte.gz": (
                9912422,
                "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609",
            ),
            "train-labels-idx1-ubyte.gz": (
                28881,
                "3552534a0a558bbed6aed32b30c495cca23d567ec52cac8be1a0730e8010255c",
            ),
            "t10k-images-idx3-ubyte.gz": (
                1648877,
                "8d422c7b0a1c1c79245a5bcf07fe86e33eeafee792b84584aec276f5a2dbc4e6",
            ),
            "t10k-labels-idx1-ubyte.gz": (
                4542,
                "f7ae60f92e00ec6debd23a6088c31dbd2371eca3ffa0defaefb259924204aec6",
            ),
        },
    ),
    license="CC BY-SA 3.0, © Yann LeCun and Corinna Cortes (a derivative of NIST's data)",
    citation=(
        "Y. LeCun, L. Bottou, Y. Bengio and P. Haffner, Gradient-based learning applied to "
        "document recognition, Proceedings of the IEEE 86(11):2278-2324, 1998."
    ),
    homepage="http://yann.lecun.com/exdb/mnist/",
)

FASHION_MNIST = Dataset(
    name="fashion-mnist",
    title="Fashion-MNIST (Zalando article images)",
    files=(
        *_idx_files(
            "fashion-mnist",
            (_ZALANDO_S3, _ZALANDO_GH + "data/fashion/"),
            {
                "train-images-idx3-ubyte.gz": (
                    26421880,
                    "3aede38d61863908ad78613f6a32ed271626dd12800ba2636569512369268a84",
                ),
                "train-labels-idx1-ubyte.gz": (
                    29515,
                    "a04f17134ac03560a47e3764e11b92fc97de4d1bfaf8ba1a3aa29af54cc90845",
                ),
                "t10k-images-idx3-ubyte.gz": (
                    4422102,
                    "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073",
                ),
                "t10k-labels-idx1-ubyte.gz": (
                    5148,
                    "67da17c76eaffca5446c3361aaab5c3cd6d1c2608764d35dfb1850b086bf8dd5",
                ),
            },
        ),
        FileSpec(
            "fashion-mnist/LICENSE",
            1109,
            "13ef4788476d292858fa60eb9a5f74aeca5c65770bc885ccaa05823a17ef7be1",
            (_ZALANDO_GH + "LICENSE",),
        ),
    ),
    license="MIT, © 2017 Zalando SE",
    citation=(
        "H. Xiao, K. Rasul and R. Vollgraf, Fashion-MNIST: a Novel Image Dataset for "
        "Benchmarking Machine Learning Algorithms, arXiv:1708.07747, 2017."
    ),
    homepage="https://github.com/zalandoresearch/fashion-mnist",
)

BOSTON = Dataset(
    name="boston",
    title="Boston housing (506 towns, 13 features, median value MEDV)",
    files=(
        FileSpec(
            "boston_housing.csv",
            177100,
            "8594f084258ead302f20a7479463f7a7584d33fe00042d442a7101530c8b46de",
            (
                _MLXTEND + "102c6ff4798dc685b7b335272e9fd51b5fe9a85a/" + _BOSTON_PATH,
                _MLXTEND + "master/" + _BOSTON_PATH,
            ),
        ),
    ),
    license="public StatLib data; the copy comes from mlxtend (BSD-3-Clause)",
    citation=(
        "D. Harrison and D. L. Rubinfeld, Hedonic housing prices and the demand for clean "
        "air, Journal of Environmental Economics and Management 5:81-102, 1978."
    ),
    homepage="http://lib.stat.cmu.edu/datasets/boston",
    note=BOSTON_B_NOTE,
)

TINY_SHAKESPEARE = Dataset(
    name="tinyshakespeare",
    title="tiny Shakespeare (1.1 MB of plays, char-rnn)",
    files=(
        FileSpec(
            "tinyshakespeare.txt",
            1115394,
            "86c4e6aa9db7c042ec79f339dcb96d42b0075e16b8fc2e86bf0ca57e2dc565ed",
            (
                "https://raw.githubusercontent.com/karpathy/char-rnn/"
                "6f9487a6fe5b420b7ca9afb0d7c078e37c1d1b4e/data/tinyshakespeare/input.txt",
                "https://raw.githubusercontent.com/karpathy/char-rnn/master/"
                "data/tinyshakespeare/input.txt",
            ),
        ),
    ),
    license="Shakespeare's text is public domain (char-rnn is MIT)",
    citation="A. Karpathy, char-rnn, https://github.com/karpathy/char-rnn, 2015.",
    homepage="https://github.com/karpathy/char-rnn",
)

DATASETS: dict[str, Dataset] = {
    ds.name: ds for ds in (MNIST, FASHION_MNIST, BOSTON, TINY_SHAKESPEARE)
}

_ALIASES = {
    "fashion_mnist": "fashion-mnist",
    "boston_housing": "boston",
    "shakespeare": "tinyshakespeare",
}


def dataset_names() -> list[str]:
    """The registered data sets' names, in registry order."""
    return list(DATASETS)


def get_dataset(name: str | Dataset) -> Dataset:
    """The registry entry called ``name`` (a :class:`Dataset` is returned as it is).

    Raises:
        ValueError: no data set has that name.
    """
    if isinstance(name, Dataset):
        return name
    key = _ALIASES.get(name, name)
    if key not in DATASETS:
        raise ValueError(f"unknown data set {name!r}; known: {', '.join(DATASETS)}")
    return DATASETS[key]
