"""One simulated sequence: people walk, enter and leave; each frame is
rendered far-to-near with exact visibility."""
from dataclasses import dataclass, field
from typing import Dict, List, Optional, Tuple

import numpy as np

from .render import draw_clutter, draw_person, render_background
from .scene import Camera, Clutter, Outfit, Walker, random_outfit


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
