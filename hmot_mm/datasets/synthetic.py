"""Synthetic pedestrian sequences in MOTChallenge format: the embedded
default that works on any machine, built to be a fair test of detection
and Re-ID rather than a toy.

World and camera. People walk on a ground plane (X lateral, Z depth, in
metres) seen by a pinhole camera ``camera_height`` above the ground, horizon
at ``horizon`` × image height. A point at (X, Z) projects to

    u = W/2 + f·X/Z,        v_feet = v_horizon + f·h_cam/Z,

so height in pixels, f·height/Z, shrinks with the image row (perspective).

People. Each identity is an outfit — shirt colour and pattern (solid,
stripes, checks, two-tone), trousers, hair, skin, build — and about one in
five is a near-twin of an earlier one, differing in a single attribute, so
that appearance alone is not enough everywhere. They walk at 0.8–1.7 m/s
with a heading that drifts smoothly (an Ornstein–Uhlenbeck turn rate), so
motion is smooth but not linear; legs and arms swing with the distance
walked. New people enter at the image borders to keep about ``persons`` in
view; people leave when they walk out.

Rendering. Background: a building band above the horizon, paving with
perspective lines and low-frequency texture. Static clutter (poles, bins,
boxes) stands on the ground. Everything is drawn far-to-near into an owner
map, so a person's visibility is exactly the visible fraction of its
silhouette, the parts outside the image counting as hidden. Boxes are the
full-body extent clipped to the image. Gaussian sensor noise and JPEG
compression come last. Output for a seed is deterministic.
"""
import os
import os.path as osp
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import cv2
import numpy as np

from .motchallenge_io import sequence_folder, write_seqinfo

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


def draw_person(outfit: Outfit, height_px: float,
                phase: float) -> Tuple[np.ndarray, np.ndarray, int, int]:
    """Render a person on a transparent canvas.

    Returns:
        tuple: BGR patch, bool silhouette mask, and the feet's (column, row)
        offset in the patch.
    """
    h = max(int(round(height_px)), 8)
    w = max(int(round(h * outfit.width_ratio)), 4)
    pad = max(w // 2, 2)
    canvas = np.zeros((h + 2, w + 2 * pad, 3), np.uint8)
    mask = np.zeros(canvas.shape[:2], np.uint8)
    cx = canvas.shape[1] // 2
    bgr = lambda c: tuple(int(v) for v in np.asarray(c)[::-1])  # noqa: E731

    def paint(draw, colour):
        draw(canvas, bgr(colour))
        draw(mask, 255)

    head_r = max(h * 0.07, 1.5)
    neck, hip = h * 0.17, h * 0.55
    limb = max(int(round(w * 0.28)), 1)
    swing = np.sin(phase)
    # legs: thighs and shins swing in opposite phase
    for side in (-1, 1):
        foot_x = cx + side * 0.12 * w + swing * side * 0.35 * w
        pts = np.array([[cx + side * 0.15 * w, hip], [foot_x, h - 1]])
        paint(
            lambda im, c, p=pts: cv2.line(im, tuple(map(int, p[0])),
                                          tuple(map(int, p[1])), c, limb),
            outfit.trousers)
    # torso with its pattern
    top, left, right = int(neck), int(cx - w * 0.32), int(cx + w * 0.32)
    torso = np.zeros_like(mask)
    cv2.rectangle(torso, (left, top), (right, int(hip)), 255, -1)
    shirt = np.zeros_like(canvas)
    shirt[:] = bgr(outfit.shirt)
    period = max(int(h * 0.06), 2)
    yy, xx = np.mgrid[0:canvas.shape[0], 0:canvas.shape[1]]
    second = {
        'solid': np.zeros_like(torso, bool),
        'hstripes': (yy // period) % 2 == 1,
        'vstripes': (xx // period) % 2 == 1,
        'checks': ((yy // period) + (xx // period)) % 2 == 1,
        'twotone': yy > (neck + hip) / 2,
    }[outfit.pattern]
    shirt[second] = bgr(outfit.shirt2)
    canvas[torso > 0] = shirt[torso > 0]
    mask |= torso
    # arms swing against the legs
    for side in (-1, 1):
        hand = (cx + side * 0.42 * w - swing * side * 0.3 * w, hip * 0.95)
        paint(
            lambda im, c, s=side, hd=hand: cv2.line(im, (int(
                cx + s * 0.3 * w), top + limb), tuple(map(int, hd)), c,
                                                    max(limb - 1, 1)),
            outfit.shirt)
    # head: skin and hair
    head = (cx, int(head_r + 1))
    paint(lambda im, c: cv2.circle(im, head, int(head_r), c, -1), outfit.skin)
    paint(
        lambda im, c: cv2.ellipse(im, head, (int(head_r), int(head_r)), 0, 180,
                                  360, c, -1), outfit.hair)
    return canvas, mask > 0, cx, h - 1


def draw_clutter(item: Clutter,
                 scale: float) -> Tuple[np.ndarray, np.ndarray, int, int]:
    """Render a pole, bin or box; same return as :func:`draw_person`."""
    h = max(int(round(item.height_m * scale)), 4)
    w = max(int(round(item.width_m * scale)), 2)
    canvas = np.zeros((h + 1, w + 2, 3), np.uint8)
    mask = np.zeros(canvas.shape[:2], np.uint8)
    colour = tuple(int(v) for v in item.colour[::-1])
    cv2.rectangle(canvas, (1, 0), (w, h), colour, -1)
    cv2.rectangle(mask, (1, 0), (w, h), 255, -1)
    if item.kind == 'pole':  # a lamp on top
        cv2.circle(canvas, (w // 2 + 1, 1), max(w, 2), (200, 230, 240), -1)
    elif item.kind == 'box':  # a lid line
        cv2.line(canvas, (1, h // 4), (w, h // 4), (40, 40, 40), 1)
    return canvas, mask > 0, canvas.shape[1] // 2, h


def render_background(camera: Camera, rng: np.random.Generator) -> np.ndarray:
    """Building band, paving with perspective lines and texture (BGR)."""
    H, W = camera.height, camera.width
    img = np.zeros((H, W, 3), np.float64)
    v0 = int(camera.v_horizon)
    img[:v0] = (150, 160, 175)
    for x in range(int(rng.integers(0, 40)), W, int(rng.integers(40, 90))):
        cv2.rectangle(img, (x, int(v0 * 0.2)), (x + 20, int(v0 * 0.7)),
                      (90, 100, 120), -1)
    ground = np.array((120, 125, 128), np.float64)
    img[v0:] = ground
    for k in range(-12, 13):  # paving lines converging at the horizon
        cv2.line(img, (W // 2, v0), (int(W / 2 + k * W / 6), H),
                 (105, 108, 112), 1)
    for z in np.geomspace(*camera.depth_range(), 14):
        v = int(camera.project(0, z)[1])
        cv2.line(img, (0, v), (W, v), (108, 110, 115), 1)
    grid = (max(H // 24, 2), max(W // 24, 2))
    low = rng.normal(0, 10, size=(*grid, 1)) + rng.normal(0, 3, (*grid, 3))
    img += cv2.resize(low, (W, H), interpolation=cv2.INTER_CUBIC)
    return np.clip(img, 0, 255)


@dataclass
class SyntheticSequence:
    """Simulate and render one sequence.

    Args:
        size (tuple): (width, height) of the frames.
        persons (int): people in view at once, on average (10 sparse,
            ≥150 a MOT20-like crowd).
        seed (int): the whole sequence follows from it.
        fps (float): frame rate.
        twin_prob (float): chance a new identity is a near-twin.
        clutter (int): static non-person objects; default scales with
            the image area.
        noise_std (float): sensor noise (grey levels).
        jpeg_quality (int): JPEG quality of the written frames.
    """
    size: Tuple[int, int] = (768, 576)
    persons: int = 12
    seed: int = 0
    fps: float = 10.0
    twin_prob: float = 0.2
    clutter: Optional[int] = None
    noise_std: float = 4.0
    jpeg_quality: int = 85
    walkers: List[Walker] = field(default_factory=list)

    def __post_init__(self):
        if self.persons < 1:
            raise ValueError(f'persons must be >= 1, got {self.persons}')
        if not (np.isfinite(self.fps) and self.fps > 0):
            raise ValueError(f'fps must be a positive frame rate, got '
                             f'{self.fps}')
        width, height = self.size
        if width < 64 or height < 64:
            raise ValueError(f'size must be at least 64x64, got {self.size}')
        self.rng = np.random.default_rng(self.seed)
        self.camera = Camera(width, height)
        self.background = render_background(self.camera, self.rng)
        self.outfits: List[Outfit] = []
        near, far = self.camera.depth_range()
        count = self.clutter if self.clutter is not None else int(
            4 + width * height / 60000)
        self.clutter_items = [
            Clutter(
                kind=str(self.rng.choice(['pole', 'bin', 'box'])),
                x=0.0,
                z=float(self.rng.uniform(near * 1.3, far * 0.8)),
                colour=self.rng.uniform(30, 200, size=3),
                height_m=0.0,
                width_m=0.0) for _ in range(count)
        ]
        for item in self.clutter_items:
            item.x = float(
                self.rng.uniform(-0.9, 0.9) *
                self.camera.half_width_at(item.z))
            item.height_m, item.width_m = {
                'pole': (3.5, 0.12),
                'bin': (0.9, 0.5),
                'box': (1.3, 0.9)
            }[item.kind]
        for _ in range(self.persons):
            self.walkers.append(self._new_walker(entering=False))

    def _new_walker(self, entering: bool) -> Walker:
        rng = self.rng
        like = None
        if self.outfits and rng.random() < self.twin_prob:
            like = self.outfits[rng.integers(len(self.outfits))]
        outfit = random_outfit(rng, like)
        self.outfits.append(outfit)
        near, far = self.camera.depth_range()
        z = float(np.exp(rng.uniform(np.log(near * 1.1), np.log(far))))
        half = self.camera.half_width_at(z)
        if entering:  # just outside the left or right border, walking in
            side = rng.choice([-1.0, 1.0])
            x = float(side * (half + 0.4))
            heading = float((np.pi if side > 0 else 0.0) +
                            rng.uniform(-0.5, 0.5))
        else:
            x = float(rng.uniform(-half, half))
            heading = float(rng.uniform(-np.pi, np.pi))
        return Walker(
            pid=len(self.outfits),
            outfit=outfit,
            x=x,
            z=z,
            heading=heading,
            speed=float(rng.uniform(0.8, 1.7)),
            phase=float(rng.uniform(0, 2 * np.pi)))

    def step(self) -> None:
        """Advance every walker by one frame; replace those that left."""
        dt = 1.0 / self.fps
        near, far = self.camera.depth_range()
        kept = []
        for w in self.walkers:
            # OU turn rate: smooth, non-linear paths
            w.turn_rate += -1.5 * w.turn_rate * dt + 0.9 * np.sqrt(
                dt) * self.rng.normal()
            w.heading += w.turn_rate * dt
            w.x += w.speed * np.cos(w.heading) * dt
            w.z += w.speed * np.sin(w.heading) * dt
            w.phase += w.speed * dt * 2 * np.pi / 1.4  # a stride per 1.4 m
            if w.z < near * 0.9 or w.z > far * 1.05:
                w.heading = -w.heading  # turn back at the depth limits
                w.z = float(np.clip(w.z, near * 0.9, far * 1.05))
            if abs(w.x) <= self.camera.half_width_at(w.z) + 1.0:
                kept.append(w)
        self.walkers = kept
        missing = self.persons - len(self.walkers)
        arrivals = self.rng.poisson(max(missing, 0) * 0.3 + 0.05)
        self.walkers += [
            self._new_walker(entering=True) for _ in range(arrivals)
        ]

    def render(self) -> Tuple[np.ndarray, List[dict]]:
        """Render the current state.

        Returns:
            tuple: the BGR frame (before noise/JPEG) and one dict per
            person with any part in the image: ``id``, ``extent`` (x1, y1,
            x2, y2 of the whole body, unclipped), ``box`` (x, y, w, h
            clipped to the image) and ``visibility``.
        """
        H, W = self.camera.height, self.camera.width
        frame = self.background.copy()
        owner = np.full((H, W), -1, np.int64)
        items = [(w.z, 'person', w)
                 for w in self.walkers] + [(c.z, 'clutter', c)
                                           for c in self.clutter_items]
        areas: Dict[int, int] = {}
        extents: Dict[int, Tuple[int, int, int, int]] = {}
        for z, kind, obj in sorted(items, key=lambda t: -t[0]):
            u, v, scale = self.camera.project(obj.x, obj.z)
            if kind == 'person':
                patch, mask, fx, fy = draw_person(obj.outfit,
                                                  obj.outfit.height_m * scale,
                                                  obj.phase)
            else:
                patch, mask, fx, fy = draw_clutter(obj, scale)
            x0, y0 = int(round(u)) - fx, int(round(v)) - fy
            ph, pw = mask.shape
            cx0, cy0 = max(x0, 0), max(y0, 0)
            cx1, cy1 = min(x0 + pw, W), min(y0 + ph, H)
            if kind == 'person':
                ys, xs = np.nonzero(mask)
                areas[obj.pid] = len(ys)
                extents[obj.pid] = (x0 + xs.min(), y0 + ys.min(),
                                    x0 + xs.max() + 1, y0 + ys.max() + 1)
            if cx1 <= cx0 or cy1 <= cy0:
                continue
            sub = mask[cy0 - y0:cy1 - y0, cx0 - x0:cx1 - x0]
            frame[cy0:cy1, cx0:cx1][sub] = patch[cy0 - y0:cy1 - y0,
                                                 cx0 - x0:cx1 - x0][sub]
            owner[cy0:cy1, cx0:cx1][sub] = obj.pid if kind == 'person' \
                else 0
        visible = np.bincount(
            owner[owner > 0].ravel(), minlength=max(areas, default=0) + 1)
        people = []
        for pid, (x1, y1, x2, y2) in extents.items():
            bx1, by1 = max(x1, 0), max(y1, 0)
            bx2, by2 = min(x2, W), min(y2, H)
            if bx2 - bx1 < 1 or by2 - by1 < 1:
                continue  # wholly outside the image
            people.append(
                dict(
                    id=pid,
                    extent=(x1, y1, x2, y2),
                    box=(float(bx1), float(by1), float(bx2 - bx1),
                         float(by2 - by1)),
                    visibility=float(visible[pid] / areas[pid])))
        return frame, sorted(people, key=lambda p: p['id'])

    def finish(self, frame: np.ndarray) -> np.ndarray:
        """Sensor noise, then the uint8 frame (JPEG is applied on write)."""
        noisy = frame + self.rng.normal(0, self.noise_std, frame.shape)
        return np.clip(noisy, 0, 255).astype(np.uint8)


def write_sequence(out_dir: str,
                   name: str,
                   frames: int,
                   overwrite: bool = False,
                   **kwargs) -> str:
    """Simulate ``frames`` frames and write a MOTChallenge folder
    ``out_dir/name`` (seqinfo.ini, img1/%06d.jpg, gt/gt.txt with rows
    frame,id,x,y,w,h,1,1,visibility).

    Args:
        out_dir (str): parent folder.
        name (str): sequence name.
        frames (int): number of frames.
        overwrite (bool): replace a non-empty ``out_dir/name``.
        **kwargs: :class:`SyntheticSequence` options.

    Returns:
        str: the sequence folder.
    """
    if frames < 1:
        raise ValueError(f'frames must be >= 1, got {frames}')
    seq_dir = sequence_folder(out_dir, name, overwrite)
    sim = SyntheticSequence(**kwargs)
    os.makedirs(osp.join(seq_dir, 'img1'), exist_ok=True)
    os.makedirs(osp.join(seq_dir, 'gt'), exist_ok=True)
    rows = []
    for t in range(1, frames + 1):
        image, people = sim.render()
        cv2.imwrite(
            osp.join(seq_dir, 'img1', f'{t:06d}.jpg'), sim.finish(image),
            [cv2.IMWRITE_JPEG_QUALITY, sim.jpeg_quality])
        rows += [
            f'{t},{p["id"]},{p["box"][0]:.0f},{p["box"][1]:.0f},'
            f'{p["box"][2]:.0f},{p["box"][3]:.0f},1,1,{p["visibility"]:.4f}'
            for p in people
        ]
        sim.step()
    with open(osp.join(seq_dir, 'gt', 'gt.txt'), 'w') as f:
        f.write('\n'.join(rows) + '\n')
    write_seqinfo(seq_dir, sim.fps, frames, *sim.size)
    return seq_dir
