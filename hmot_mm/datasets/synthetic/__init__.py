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
from .render import draw_clutter, draw_person, render_background
from .scene import (PALETTE, PATTERNS, SKIN, Camera, Clutter, Outfit, Walker,
                    random_outfit)
from .sequence import SyntheticSequence
from .writer import write_sequence

__all__ = [
    'PALETTE', 'PATTERNS', 'SKIN', 'Camera', 'Clutter', 'Outfit', 'Walker',
    'random_outfit', 'draw_clutter', 'draw_person', 'render_background',
    'SyntheticSequence', 'write_sequence'
]
