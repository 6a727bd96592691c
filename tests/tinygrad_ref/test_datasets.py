"""tinygrad_ref.datasets.glyph_digits: the capstone's data generator."""

import numpy as np
import pytest

from tinygrad_ref.datasets import FONT_FILES, glyph_digits, glyph_masks


@pytest.fixture(scope="module")
def sample():
    return glyph_digits(600, seed=5)


def test_shapes_dtypes_range_and_balanced_classes(sample):
    images, labels = sample
    assert images.shape == (600, 28, 28) and images.dtype == np.uint8
    assert labels.shape == (600,) and labels.dtype == np.int64
    assert np.array_equal(np.bincount(labels), np.full(10, 60))
    assert images.max() > 200 and images.min() < 30  # the full grey range is used


def test_same_seed_same_data_other_seed_other_data(sample):
    images, labels = sample
    again, again_labels = glyph_digits(600, seed=5)
    assert np.array_equal(images, again) and np.array_equal(labels, again_labels)
    other, _ = glyph_digits(600, seed=6)
    assert not np.array_equal(images, other)


def test_every_font_draws_every_digit_as_a_distinct_glyph():
    masks = glyph_masks()[:, :, 1]  # the stroke weight as drawn
    assert masks.shape == (len(FONT_FILES), 10, 64, 64)
    ink = masks.sum(axis=(2, 3))
    assert (ink > 50).all(), "a font drew (almost) nothing for some digit"
    for f in range(len(FONT_FILES)):
        flat = masks[f].reshape(10, -1)
        distances = ((flat[:, None] - flat[None]) ** 2).sum(axis=2)
        assert (distances[~np.eye(10, dtype=bool)] > 10).all(), f"{FONT_FILES[f]}: two digits look the same"


def test_labels_belong_to_their_images(sample):
    # a nearest-class-mean classifier fitted on one draw must beat chance (0.1) by far on another draw;
    # with shuffled labels it could not
    images, labels = sample
    test_images, test_labels = glyph_digits(300, seed=7)
    flat = images.reshape(len(images), -1) / 255.0
    means = np.stack([flat[labels == c].mean(axis=0) for c in range(10)])
    distances = ((test_images.reshape(300, -1)[:, None] / 255.0 - means[None]) ** 2).sum(axis=2)
    assert np.mean(distances.argmin(axis=1) == test_labels) > 0.4


@pytest.mark.parametrize("n", [0, -3, 2.5, "10"])
def test_a_bad_size_is_refused_by_name(n):
    with pytest.raises(ValueError, match="n must be a positive int"):
        glyph_digits(n, seed=0)
