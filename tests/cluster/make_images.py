"""Write N small test scenes as PNG: a noisy grey background with two or three coloured
discs and squares, like models/scenes.py draws, but with numpy alone (no OpenCV or PIL
here). Every image is a pure function of its number, so every run writes the same bytes.

Usage: make_images.py N DIR [--large I ...]
  writes DIR/img_000.png ... and DIR/list.txt (one absolute path per line); --large I
  makes image I 40 times larger (2560x2560), so that a run spends seconds on it.
"""
import argparse
import os
import struct
import zlib

import numpy as np

SIZE = 64
COLORS = [(220, 40, 40), (40, 190, 60), (50, 80, 230), (235, 220, 50), (160, 60, 200), (245, 245, 245)]


def scene(number):
    rng = np.random.Generator(np.random.PCG64(700_000 + number))
    img = np.full((SIZE, SIZE, 3), rng.uniform(40, 130), np.float32)
    img += rng.normal(0, 6, size=img.shape)
    yy, xx = np.mgrid[0:SIZE, 0:SIZE]
    for _ in range(int(rng.integers(2, 4))):
        cx, cy = rng.uniform(12, SIZE - 12, size=2)
        r = rng.uniform(7, 11)
        if rng.integers(0, 2):
            mask = (xx - cx) ** 2 + (yy - cy) ** 2 <= r * r
        else:
            mask = (abs(xx - cx) <= r) & (abs(yy - cy) <= r)
        img[mask] = COLORS[int(rng.integers(0, len(COLORS)))]
    return np.clip(img, 0, 255).astype(np.uint8)


def png_bytes(rgb):
    def chunk(kind, data):
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    h, w, _ = rgb.shape
    raw = b"".join(b"\x00" + rgb[y].tobytes() for y in range(h))
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) +
            chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b""))


def main():
    parser = argparse.ArgumentParser(usage=__doc__)
    parser.add_argument("count", type=int)
    parser.add_argument("out")
    parser.add_argument("--large", type=int, action="append", default=[])
    args = parser.parse_args()
    out = os.path.abspath(args.out)
    os.makedirs(out, exist_ok=True)
    paths = []
    for n in range(args.count):
        path = os.path.join(out, "img_%03d.png" % n)
        img = scene(n)
        if n in args.large:
            img = np.kron(img, np.ones((40, 40, 1), np.uint8))
        with open(path, "wb") as f:
            f.write(png_bytes(img))
        paths.append(path)
    with open(os.path.join(out, "list.txt"), "w") as f:
        f.write("".join(p + "\n" for p in paths))


if __name__ == "__main__":
    main()
