"""Seeded synthetic scenes for tinyvlm: 64x64 RGB images with 2-3 coloured shapes.

Every scene is a pure function of an integer seed (numpy Generator(PCG64(seed))).
Seed ranges (disjoint by construction):
  training   : seeds >= TRAIN_SEED_BASE (1_000_000 and up, see train.py)
  evaluation : seeds 0 .. 99_999      (evaluate.py uses 0..N-1)
  examples   : seeds 900_000 .. 900_099 (examples/scenes/)

Ground truth per object: shape, color, bbox [x0, y0, x1, y1] in pixels
(inclusive-exclusive: x0 <= x < x1), and a 64x64 boolean pixel mask (not exported).

Task prompts (tokenised by the word tokenizer in tinyvlm.py):
  "what color is the <shape>?"  -> "<color>"     (asked only if <shape> is unique in the scene)
  "which shape is <color>?"     -> "<shape>"     (asked only if <color> is unique in the scene)
  CAPTION_PROMPT                -> caption, objects listed left to right (by bbox centre x):
      2 objects: "a red circle and a blue square ."
      3 objects: "a red circle , a blue square and a green triangle ."
"""
import numpy as np
import cv2

SIZE = 64
SHAPES = ["circle", "square", "triangle", "cross"]
COLORS = ["red", "green", "blue", "yellow", "purple", "white"]
RGB = {
    "red": (220, 40, 40),
    "green": (40, 190, 60),
    "blue": (50, 80, 230),
    "yellow": (235, 220, 50),
    "purple": (160, 60, 200),
    "white": (245, 245, 245),
}
CAPTION_PROMPT = "provide a one-sentence caption for the image:"
TASKS = ["color", "shape", "caption"]

TRAIN_SEED_BASE = 1_000_000
EVAL_SEED_BASE = 0
EXAMPLE_SEED_BASE = 900_000


def _background(rng):
    """Noisy, textured grey-ish background (low saturation, mid-dark intensity)."""
    base = rng.uniform(40, 130)
    tint = rng.uniform(-12, 12, size=3)
    img = np.ones((SIZE, SIZE, 3), np.float32) * (base + tint)
    # low-frequency blotches
    low = rng.normal(0, 1, size=(8, 8, 1)).astype(np.float32)
    low = cv2.resize(low, (SIZE, SIZE), interpolation=cv2.INTER_CUBIC)[..., None]
    img += low * rng.uniform(5, 18)
    # a few thin grey lines (texture / distractor edges)
    for _ in range(rng.integers(0, 4)):
        p0 = tuple(int(v) for v in rng.integers(0, SIZE, 2))
        p1 = tuple(int(v) for v in rng.integers(0, SIZE, 2))
        g = float(base + rng.uniform(-35, 35))
        cv2.line(img, p0, p1, (g, g, g), 1)
    return img


def _draw(shape, size, cx, cy, angle_jit):
    """Returns a uint8 mask [64,64] of the shape."""
    m = np.zeros((SIZE, SIZE), np.uint8)
    r = size / 2.0
    if shape == "circle":
        cv2.circle(m, (int(round(cx * 4)), int(round(cy * 4))), int(round(r * 4)), 1, -1,
                   lineType=cv2.LINE_8, shift=2)
    elif shape == "square":
        pts = np.array([[cx - r, cy - r], [cx + r, cy - r], [cx + r, cy + r], [cx - r, cy + r]])
        cv2.fillPoly(m, [np.round(pts * 4).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=2)
    elif shape == "triangle":
        pts = np.array([[cx, cy - r], [cx + r, cy + r], [cx - r, cy + r]])
        pts[0, 0] += angle_jit * r * 0.3
        cv2.fillPoly(m, [np.round(pts * 4).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=2)
    elif shape == "cross":
        t = r * 0.38
        rects = [(cx - t, cy - r, cx + t, cy + r), (cx - r, cy - t, cx + r, cy + t)]
        for x0, y0, x1, y1 in rects:
            pts = np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]])
            cv2.fillPoly(m, [np.round(pts * 4).astype(np.int32)], 1, lineType=cv2.LINE_8, shift=2)
    else:
        raise ValueError(shape)
    return m.astype(bool)


def _bbox(mask):
    ys, xs = np.nonzero(mask)
    return [int(xs.min()), int(ys.min()), int(xs.max()) + 1, int(ys.max()) + 1]


def make_scene(seed):
    """Returns dict(image=uint8 [64,64,3] RGB, objects=[{shape,color,bbox,mask}], seed)."""
    rng = np.random.Generator(np.random.PCG64(seed))
    n = int(rng.integers(2, 4))
    img = _background(rng)
    objects = []
    tries = 0
    while len(objects) < n:
        tries += 1
        if tries > 500:  # extremely unlikely; restart with fewer objects
            n = len(objects) if len(objects) >= 2 else 2
            if len(objects) >= n:
                break
        shape = SHAPES[int(rng.integers(len(SHAPES)))]
        color = COLORS[int(rng.integers(len(COLORS)))]
        size = float(rng.uniform(14, 22))
        cx = float(rng.uniform(size / 2 + 1, SIZE - size / 2 - 1))
        cy = float(rng.uniform(size / 2 + 1, SIZE - size / 2 - 1))
        mask = _draw(shape, size, cx, cy, float(rng.uniform(-1, 1)))
        bb = _bbox(mask)
        ok = True
        for o in objects:
            ob = o["bbox"]
            ix = max(0, min(bb[2], ob[2]) - max(bb[0], ob[0]))
            iy = max(0, min(bb[3], ob[3]) - max(bb[1], ob[1]))
            small = min((bb[2] - bb[0]) * (bb[3] - bb[1]), (ob[2] - ob[0]) * (ob[3] - ob[1]))
            if ix * iy > 0.08 * small:  # only slight overlap
                ok = False
            if abs((bb[0] + bb[2]) / 2 - (ob[0] + ob[2]) / 2) < 6:  # unambiguous left-to-right order
                ok = False
        if not ok:
            continue
        objects.append(dict(shape=shape, color=color, bbox=bb, mask=mask))
    for o in objects:
        col = np.array(RGB[o["color"]], np.float32) + rng.uniform(-20, 20, size=3).astype(np.float32)
        img[o["mask"]] = col
    # visible mask (later objects drawn on top)
    for i, o in enumerate(objects):
        vis = o["mask"].copy()
        for o2 in objects[i + 1:]:
            vis &= ~o2["mask"]
        o["visible"] = vis
    img += rng.normal(0, rng.uniform(4, 12), size=img.shape).astype(np.float32)
    img = np.clip(img, 0, 255).astype(np.uint8)
    return dict(image=img, objects=objects, seed=seed)


def caption(scene):
    objs = sorted(scene["objects"], key=lambda o: (o["bbox"][0] + o["bbox"][2]) / 2)
    parts = ["a %s %s" % (o["color"], o["shape"]) for o in objs]
    if len(parts) == 2:
        return "%s and %s ." % (parts[0], parts[1])
    return "%s , %s and %s ." % (parts[0], parts[1], parts[2])


def caption_order(scene):
    """Indices of scene objects in caption (left to right) order."""
    objs = scene["objects"]
    return sorted(range(len(objs)), key=lambda i: (objs[i]["bbox"][0] + objs[i]["bbox"][2]) / 2)


def questions(scene):
    """All unambiguous questions: list of (task, prompt, answer, target_object_index)."""
    objs = scene["objects"]
    out = []
    shapes = [o["shape"] for o in objs]
    colors = [o["color"] for o in objs]
    for i, o in enumerate(objs):
        if shapes.count(o["shape"]) == 1:
            out.append(("color", "what color is the %s?" % o["shape"], o["color"], i))
        if colors.count(o["color"]) == 1:
            out.append(("shape", "which shape is %s?" % o["color"], o["shape"], i))
    return out


def sample_query(scene, task, rng):
    """Pick one query of the given task; returns (task, prompt, answer, target) or None."""
    if task == "caption":
        return ("caption", CAPTION_PROMPT, caption(scene), -1)
    qs = [q for q in questions(scene) if q[0] == task]
    if not qs:
        return None
    return qs[int(rng.integers(len(qs)))]


if __name__ == "__main__":
    import sys
    s = make_scene(int(sys.argv[1]) if len(sys.argv) > 1 else 0)
    for o in s["objects"]:
        print(o["shape"], o["color"], o["bbox"])
    print(caption(s))
    for q in questions(s):
        print(q)
    cv2.imwrite("/tmp/scene.png", cv2.resize(s["image"][..., ::-1], (256, 256), interpolation=cv2.INTER_NEAREST))
