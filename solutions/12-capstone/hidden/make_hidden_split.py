"""Draw the capstone's hidden test split: 2,000 glyph digits from a seed nobody keeps.

Run from the repository root (`python solutions/12-capstone/hidden/make_hidden_split.py`) to make a new
split for your class; commit the two files it writes. The grader copies `glyph_test_images.npy` into each
sandbox and keeps `glyph_test_labels.npy` on its side (docs/authoring.md, "Open challenges"); this folder
is never released. The seed comes from the operating system's randomness and is not stored, so nobody can
draw the same images again, not even from the public generator.
"""

import secrets
import sys
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parents[2]))  # the repository root, for tinygrad_ref

from tinygrad_ref.datasets import glyph_digits  # noqa: E402

SIZE = 2000

if __name__ == "__main__":
    images, labels = glyph_digits(SIZE, seed=secrets.randbits(63))
    np.save(HERE / "glyph_test_images.npy", images, allow_pickle=False)
    np.save(HERE / "glyph_test_labels.npy", labels, allow_pickle=False)
    print(f"wrote {SIZE} images and labels to {HERE}; classes: {np.bincount(labels, minlength=10)}")
