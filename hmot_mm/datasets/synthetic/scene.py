"""The synthetic world: outfits (identities), walkers, clutter and the
pinhole camera over the ground plane (see the package docstring)."""
from dataclasses import dataclass
from typing import Optional, Tuple

import numpy as np

PALETTE = np.array([(200, 40, 40), (40, 60, 200),
                    (40, 160, 60), (230, 200, 40), (140, 40, 160),
                    (240, 130, 30), (30, 170, 190), (235, 235, 235),
                    (30, 30, 30), (150, 90, 50), (240, 120, 170),
                    (110, 130, 40), (90, 90, 100), (20, 60, 110),
                    (180, 180, 110), (120, 20, 40)],
                   dtype=np.float64)  # RGB
SKIN = np.array([(235, 200, 170), (210, 160, 120), (160, 110, 70),
                 (100, 70, 45)],
                dtype=np.float64)
PATTERNS = ('solid', 'hstripes', 'vstripes', 'checks', 'twotone')


@dataclass
class Outfit:
    """What identifies a person: colours (RGB), shirt pattern and build."""
    shirt: np.ndarray
    shirt2: np.ndarray
    pattern: str
    trousers: np.ndarray
    hair: np.ndarray
    skin: np.ndarray
    height_m: float
    width_ratio: float


@dataclass
class Walker:
    """A person in the world: identity, outfit and ground-plane state."""
    pid: int
    outfit: Outfit
    x: float
    z: float
    heading: float  # radians, 0 = +X
    speed: float  # m/s
    turn_rate: float = 0.0
    phase: float = 0.0  # walking cycle, radians


@dataclass
class Clutter:
    """A static object on the ground that is not a person."""
    kind: str  # pole, bin, box
    x: float
    z: float
    colour: np.ndarray
    height_m: float
    width_m: float


@dataclass
class Camera:
    width: int
    height: int
    horizon: float = 0.25  # fraction of the image height
    camera_height: float = 3.0  # metres
    focal: Optional[float] = None  # pixels; default = image height

    def __post_init__(self):
        self.focal = self.focal or float(self.height)
        self.v_horizon = self.horizon * self.height

    def project(self, x: float, z: float) -> Tuple[float, float, float]:
        """(u of the feet, v of the feet, pixels per metre) at (x, z)."""
        scale = self.focal / z
        return (self.width / 2 + scale * x,
                self.v_horizon + scale * self.camera_height, scale)

    def depth_range(self) -> Tuple[float, float]:
        """Depths whose feet lie between 10 % below the horizon row and the
        bottom row of the image."""
        near = self.focal * self.camera_height / (self.height - self.v_horizon)
        far = self.focal * self.camera_height / (0.1 * self.height)
        return near, far

    def half_width_at(self, z: float) -> float:
        """Lateral half extent (m) of the view at depth z."""
        return self.width / 2 * z / self.focal


def random_outfit(rng: np.random.Generator,
                  like: Optional[Outfit] = None) -> Outfit:
    """A new outfit, or a near-twin of ``like`` that differs in one
    attribute (trouser shade, pattern or hair)."""
    if like is not None:
        twin = Outfit(**vars(like))
        change = rng.integers(3)
        if change == 0:
            twin.trousers = np.clip(like.trousers + rng.choice([-1, 1]) * 45,
                                    0, 255)
        elif change == 1:
            twin.pattern = rng.choice(
                [p for p in PATTERNS if p != like.pattern])
        else:
            twin.hair = PALETTE[rng.integers(len(PALETTE))]
        return twin
    pick = rng.choice(len(PALETTE), size=4, replace=False)
    return Outfit(
        shirt=PALETTE[pick[0]],
        shirt2=PALETTE[pick[1]],
        pattern=str(rng.choice(PATTERNS)),
        trousers=PALETTE[pick[2]] * 0.7,
        hair=PALETTE[pick[3]] * 0.5,
        skin=SKIN[rng.integers(len(SKIN))],
        height_m=float(rng.uniform(1.55, 1.9)),
        width_ratio=float(rng.uniform(0.24, 0.32)))
