"""The image operations the scan path needs, in numpy and Pillow: median filters, an area
resize, Otsu's threshold, openings, a component count and a local-mean threshold. (The
rotation stays OpenCV's: see ocr.rotate.)

Masks are boolean arrays. The morphology follows OpenCV's conventions, so that the scan
path reads as it did: a kernel of n pixels is anchored at n // 2, and the image border
neither erodes nor dilates.
"""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PIL import Image, ImageFilter


# the 19 exchanges that leave the median of nine values in the middle (Paeth's network)
_MEDIAN9 = ((1, 2), (4, 5), (7, 8), (0, 1), (3, 4), (6, 7), (1, 2), (4, 5), (7, 8), (0, 3), (5, 8), (4, 7),
            (3, 6), (1, 4), (2, 5), (4, 7), (4, 2), (6, 4), (4, 2))


def median3(gray: np.ndarray) -> np.ndarray:
    """The 3 × 3 median filter (edges replicated), as a sorting network over the nine
    shifted copies of the image: a few dozen array operations, where Pillow's filter
    visits every window."""
    h, w = gray.shape
    padded = np.pad(gray, 1, mode="edge")
    p = [padded[dy:dy + h, dx:dx + w] for dy in range(3) for dx in range(3)]
    for a, b in _MEDIAN9:
        p[a], p[b] = np.minimum(p[a], p[b]), np.maximum(p[a], p[b])
    return p[4]


def median(gray: np.ndarray, size: int) -> np.ndarray:
    """A size × size median filter (edges replicated), for small regions."""
    return np.asarray(Image.fromarray(np.ascontiguousarray(gray)).filter(ImageFilter.MedianFilter(size)))


def median_of_region(gray: np.ndarray, size: int, x: int, y: int, w: int, h: int) -> np.ndarray:
    """The size × size median of the w × h region at (x, y), as a filter of the whole image
    would give it (the region is filtered with the pixels around it)."""
    r = size // 2
    top, left = max(0, y - r), max(0, x - r)
    around = median(gray[top:y + h + r, left:x + w + r], size)
    return around[y - top:y - top + h, x - left:x - left + w]


def median_below(gray: np.ndarray, size: int, level: float) -> np.ndarray:
    """Where the size × size median (edges replicated) is below `level`: where most of the
    window is, which one box count says without any median."""
    return box_sum(gray < level, size) > (size * size) // 2


def _area_axis(values: np.ndarray, size: int) -> np.ndarray:
    """`values` resampled along axis 0 to `size` rows, each the mean of the stretch of rows
    it covers (fractions of a row at its ends counted by their share): the integral of the
    rows, read at the new rows' edges."""
    n = values.shape[0]
    total = np.zeros((n + 1, *values.shape[1:]), np.float64)
    np.cumsum(values, axis=0, out=total[1:])
    edges = np.arange(size + 1) * (n / size)
    whole = np.minimum(np.floor(edges).astype(np.int64), n - 1)
    part = (edges - whole)[:, None]
    at = total[whole] + part * values[whole]
    return (at[1:] - at[:-1]) / (n / size)


def shrink(gray: np.ndarray, factor: int) -> np.ndarray:
    """The image `factor` times smaller (sizes rounded down), each pixel the mean of the
    area it covers, as OpenCV's INTER_AREA gives it."""
    h, w = gray.shape[0] // factor, gray.shape[1] // factor
    rows = _area_axis(gray.astype(np.float64), h)
    return np.rint(_area_axis(rows.T, w).T).astype(np.uint8)


def otsu_threshold(gray: np.ndarray) -> int:
    """The grey level that best splits the histogram in two (Otsu): pixels at or below it
    are the dark class (0 for an image of one level)."""
    hist = np.bincount(gray.ravel(), minlength=256).astype(np.float64)
    levels = np.arange(256, dtype=np.float64)
    weight = np.cumsum(hist)
    mass = np.cumsum(hist * levels)
    total, total_mass = weight[-1], mass[-1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = (total_mass * weight - mass * total) ** 2 / (weight * (total - weight))
    between[~np.isfinite(between)] = -1.0
    return int(np.argmax(between)) if between.max() >= 0 else 0  # one grey level: no split, nothing dark


def _window_sums(mask: np.ndarray, n: int, axis: int, outside: int) -> np.ndarray:
    """For each pixel, how many of the n pixels along `axis` from offset -(n // 2) are set,
    pixels beyond the border counting as `outside`."""
    rows = mask if axis == 1 else mask.T  # the window runs along rows
    anchor = n // 2
    padded = np.pad(rows, ((0, 0), (anchor, n - 1 - anchor)), constant_values=bool(outside))
    sums = np.zeros((padded.shape[0], padded.shape[1] + 1), np.int32)
    np.cumsum(padded, axis=1, out=sums[:, 1:])
    found = sums[:, n:] - sums[:, :-n]
    return found if axis == 1 else found.T


def erode(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """Erosion by a width × height rectangle (rectangles are separable: rows, then columns)."""
    out = mask
    if width > 1:
        out = _window_sums(out, width, 1, 1) == width
    if height > 1:
        out = _window_sums(out, height, 0, 1) == height
    return out


def dilate(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    out = mask
    if width > 1:
        out = _window_sums(out, width, 1, 0) > 0
    if height > 1:
        out = _window_sums(out, height, 0, 0) > 0
    return out


def opening(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """What a width × height rectangle can cover inside the mask: thinner parts go."""
    return dilate(erode(mask, width, height), width, height)


def closing(mask: np.ndarray, width: int, height: int) -> np.ndarray:
    """The mask with gaps narrower than the rectangle filled."""
    return erode(dilate(mask, width, height), width, height)


@dataclass(frozen=True)
class Components:
    """The 8-connected components of a mask, in raster order of their first pixel, each
    with its bounding box and area; `runs` are the horizontal runs that make them up."""
    x: np.ndarray
    y: np.ndarray
    w: np.ndarray
    h: np.ndarray
    area: np.ndarray
    run_rows: np.ndarray
    run_starts: np.ndarray
    run_ends: np.ndarray
    run_component: np.ndarray  # the component (index into x, y, ...) of each run

    def __len__(self) -> int:
        return len(self.area)


def _runs(mask: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The horizontal runs of set pixels: row, start and end (exclusive), in raster order."""
    height, width = mask.shape
    edges = np.diff(np.pad(mask.astype(np.int8), ((0, 0), (1, 1))), axis=1)
    rows, starts = np.nonzero(edges == 1)
    _, ends = np.nonzero(edges == -1)
    return rows, starts, ends


def _touching(rows: np.ndarray, starts: np.ndarray, ends: np.ndarray, width: int) -> tuple[np.ndarray, np.ndarray]:
    """Pairs of runs in adjacent rows that touch, diagonals included. Runs are keyed by
    row * (width + 2) + column, so one sorted search finds, for each run, the runs of the
    next row that end at or after its start - 1 and start at or before its end."""
    stride = width + 2
    start_keys, end_keys = rows * stride + starts, rows * stride + ends
    first = np.searchsorted(end_keys, (rows + 1) * stride + starts, side="left")
    last = np.searchsorted(start_keys, (rows + 1) * stride + ends, side="right")
    count = np.maximum(0, last - first)
    return np.repeat(np.arange(len(rows)), count), np.repeat(first, count) + _offsets(count)


def _offsets(counts: np.ndarray) -> np.ndarray:
    """0, 1, ..., n - 1 for each n in `counts`, one after the other."""
    return np.arange(counts.sum()) - np.repeat(np.cumsum(counts) - counts, counts)


def _merge(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each of n items, the smallest item it is joined to through the pairs (a, b):
    roots hooked onto the smaller root and paths halved, until nothing changes."""
    parent = np.arange(n)
    while True:
        ra, rb = parent[a], parent[b]
        low = np.minimum(ra, rb)
        hooked = parent.copy()
        np.minimum.at(hooked, ra, low)
        np.minimum.at(hooked, rb, low)
        while True:
            jumped = hooked[hooked]
            if np.array_equal(jumped, hooked):
                break
            hooked = jumped
        if np.array_equal(hooked, parent):
            return parent
        parent = hooked


def components(mask: np.ndarray) -> Components:
    rows, starts, ends = _runs(mask)
    upper, lower = _touching(rows, starts, ends, mask.shape[1])
    roots = _merge(len(rows), upper, lower)
    # a component's root is its first run, so sorted roots are in raster order
    labels, run_component = np.unique(roots, return_inverse=True)
    count = len(labels)
    x0 = np.full(count, np.iinfo(np.int64).max)
    x1 = np.zeros(count, np.int64)
    y1 = np.zeros(count, np.int64)
    np.minimum.at(x0, run_component, starts)
    np.maximum.at(x1, run_component, ends)
    np.maximum.at(y1, run_component, rows)
    y0 = rows[labels]
    area = np.bincount(run_component, weights=ends - starts, minlength=count).astype(np.int64)
    return Components(x0, y0, x1 - x0, y1 - y0 + 1, area, rows, starts, ends, run_component)


def paint(gray: np.ndarray, parts: Components, chosen: np.ndarray, value: int) -> np.ndarray:
    """A copy of `gray` with the pixels of the chosen components (a boolean per component)
    set to `value`."""
    out = gray.copy()
    runs = np.flatnonzero(chosen[parts.run_component])
    lengths = parts.run_ends[runs] - parts.run_starts[runs]
    rows = np.repeat(parts.run_rows[runs], lengths)
    cols = np.repeat(parts.run_starts[runs], lengths) + _offsets(lengths)
    out[rows, cols] = value
    return out


def box_sum(values: np.ndarray, block: int) -> np.ndarray:
    """The sum over each pixel's block × block neighbourhood (odd block, edges replicated)."""
    r = block // 2
    padded = np.pad(values, r + 1, mode="edge").astype(np.int64)
    padded[0, :] = 0  # the integral image's zero row and column
    padded[:, 0] = 0
    table = padded.cumsum(0).cumsum(1)
    h, w = values.shape
    return (table[block:block + h, block:block + w] - table[:h, block:block + w]
            - table[block:block + h, :w] + table[:h, :w])


def local_mean(gray: np.ndarray, block: int) -> np.ndarray:
    """The mean of each pixel's block × block neighbourhood (edges replicated), rounded."""
    return np.rint(box_sum(gray, block) / (block * block))
