"""Colour arithmetic for the theme tests: what a colour looks like to someone with a
colour-vision deficiency, and how far apart two colours look.

- Simulation: Machado, Oliveira and Fernandes (2009), "A Physiologically-based Model
  for Simulation of Color Vision Deficiency", matrices for severity 1.0 (dichromacy),
  applied to linear sRGB.
- Difference: CIE76 ΔE*ab in CIELAB (D65). About 2.3 is a just-noticeable difference;
  past 20 two colours read as different colours, not shades of one.
- Contrast: the WCAG 2 contrast ratio of relative luminances.
"""

from __future__ import annotations

import math

Matrix = tuple[tuple[float, float, float], ...]
RGB = tuple[float, float, float]

MACHADO: dict[str, Matrix] = {
    "protanopia": (
        (0.152286, 1.052583, -0.204868),
        (0.114503, 0.786281, 0.099216),
        (-0.003882, -0.048116, 1.051998),
    ),
    "deuteranopia": (
        (0.367322, 0.860646, -0.227968),
        (0.280085, 0.672501, 0.047413),
        (-0.011820, 0.042940, 0.968881),
    ),
    "tritanopia": (
        (1.255528, -0.076749, -0.178779),
        (-0.078411, 0.930809, 0.147602),
        (0.004733, 0.691367, 0.303900),
    ),
}


def hex_to_rgb(colour: str) -> RGB:
    digits = colour.lstrip("#")
    r, g, b = (int(digits[i : i + 2], 16) / 255 for i in (0, 2, 4))
    return (r, g, b)


def to_linear(c: float) -> float:
    return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4


def linear_rgb(colour: str) -> RGB:
    r, g, b = hex_to_rgb(colour)
    return (to_linear(r), to_linear(g), to_linear(b))


def simulate(colour: str, deficiency: str | None) -> RGB:
    """Linear sRGB of `colour` as seen with `deficiency` (None: normal vision)."""
    rgb = linear_rgb(colour)
    if deficiency is None:
        return rgb
    m = MACHADO[deficiency]
    out = tuple(sum(m[row][col] * rgb[col] for col in range(3)) for row in range(3))
    return (
        min(1.0, max(0.0, out[0])),
        min(1.0, max(0.0, out[1])),
        min(1.0, max(0.0, out[2])),
    )


def lab(rgb: RGB) -> RGB:
    """CIELAB (D65) of a linear sRGB colour."""
    r, g, b = rgb
    x = 0.4124564 * r + 0.3575761 * g + 0.1804375 * b
    y = 0.2126729 * r + 0.7151522 * g + 0.0721750 * b
    z = 0.0193339 * r + 0.1191920 * g + 0.9503041 * b
    white = (0.95047, 1.0, 1.08883)

    def f(t: float) -> float:
        return t ** (1 / 3) if t > (6 / 29) ** 3 else t / (3 * (6 / 29) ** 2) + 4 / 29

    fx, fy, fz = (f(v / w) for v, w in zip((x, y, z), white, strict=True))
    return (116 * fy - 16, 500 * (fx - fy), 200 * (fy - fz))


def delta_e(a: str, b: str, deficiency: str | None = None) -> float:
    """CIE76 ΔE*ab between two colours as seen with `deficiency`."""
    la, lb = lab(simulate(a, deficiency)), lab(simulate(b, deficiency))
    return math.dist(la, lb)


def luminance(rgb: RGB) -> float:
    r, g, b = rgb
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def contrast(a: str, b: str, deficiency: str | None = None) -> float:
    """WCAG contrast ratio (1 to 21) between two colours as seen with `deficiency`."""
    la, lb = luminance(simulate(a, deficiency)), luminance(simulate(b, deficiency))
    high, low = max(la, lb), min(la, lb)
    return (high + 0.05) / (low + 0.05)
