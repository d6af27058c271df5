"""Model files as data: what the released model is made of, where public copies live, their digests.

Each file is known by its accepted names, size and sha256; each source is a Hub repository
(model or Space) with the folder holding the files. Tests and users pass their own lists.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path


@dataclass(frozen=True)
class ModelFile:
    """One file of the model: the names it goes by (first is canonical), its size and digest."""

    names: tuple[str, ...]
    size: int
    sha256: str

    @property
    def name(self) -> str:
        return self.names[0]


PROTOTXT = ModelFile(
    ("colorization_deploy_v2.prototxt", "models_colorization_deploy_v2.prototxt"),
    9_945,
    "d16418cef8df4ccd703a55ae0ef3960861d5010418f77c90d0a47689998a7169",
)
WEIGHTS = ModelFile(
    ("colorization_release_v2.caffemodel",),
    128_946_764,
    "f5af1e602646328c792e1094f9876fe9cd4c09ac46fa886e5708a1abc89137b1",
)
POINTS = ModelFile(
    ("pts_in_hull.npy",),
    5_088,
    "b5dec01315c34f43f1c8c089e84c45ae35d1838d8e77ed0e7ca930f79ffa450e",
)
RELEASED = (PROTOTXT, WEIGHTS, POINTS)


@dataclass(frozen=True)
class HubSource:
    """A Hub repository holding the three files under `subfolder`."""

    repo_id: str
    repo_type: str = "model"
    subfolder: str = ""
    revision: str = "main"
    files: tuple[ModelFile, ModelFile, ModelFile] = field(default=RELEASED)

    def __str__(self) -> str:
        kind = "Space" if self.repo_type == "space" else "model"
        where = f"/{self.subfolder}" if self.subfolder else ""
        return f"{kind} {self.repo_id}{where}@{self.revision}"


# Public third-party copies seen on the Hub, tried in order; each file is checked by digest.
KNOWN_SOURCES: tuple[HubSource, ...] = (
    HubSource("KailashNaidu07/image-colorization-model"),
    HubSource("BilalSardar/Black-N-White-To-Color", "space"),
    HubSource("viveknarayan/Image_Colorization", "space"),
    HubSource("annapurnapadmaprema-ji/Colorizer", "space"),
    HubSource("Greenhawk5/AI-Colorization", "space", "modules"),
    HubSource("Th3BossC/OpenCvColourize", "space", "imageModel/utils/models"),
)


def sha256_file(path: str | Path) -> str:
    """Hex sha256 of a file, read in 1 MB chunks (the weights are 129 MB)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


@dataclass(frozen=True)
class ModelFiles:
    """Paths of the three files on disk, where they came from, and whether they are the release."""

    prototxt: Path
    weights: Path
    points: Path
    origin: str
    released: bool
    weights_sha256: str = ""

    def to_json(self) -> str:
        """These fields as one line of JSON, for a child process (the int8 build); `from_json` reads it back."""
        return json.dumps({"prototxt": str(self.prototxt), "weights": str(self.weights), "points": str(self.points),
                           "origin": self.origin, "released": self.released, "weights_sha256": self.weights_sha256})

    @classmethod
    def from_json(cls, text: str) -> ModelFiles:
        """The ModelFiles that `to_json` wrote."""
        data = json.loads(text)
        return cls(Path(data["prototxt"]), Path(data["weights"]), Path(data["points"]), data["origin"],
                   data["released"], data.get("weights_sha256", ""))
