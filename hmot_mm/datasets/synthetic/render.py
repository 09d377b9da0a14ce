"""Drawing the synthetic world: people (outfit, gait), clutter and the
background."""
from typing import Tuple

import cv2
import numpy as np

from .scene import Camera, Clutter, Outfit


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
