"""Draw the course's pictures with OpenCV and numpy: run it to (re)make every PNG in this folder.

    python data/images/make_images.py

Deterministic: the drawing is fixed and the random parts (paper texture, pen wobble,
noise) come from seeded generators, so a rerun writes the same pictures (bit for bit
with the same OpenCV and numpy versions).

- smiley.png       256x256 RGBA: an emoji-like smiling face on a transparent background
                   (notebook 02 fits it; load_image lays it on white and makes it gray).
- pattern.png      256x256 gray: stripes of rising frequency, rings, a checkerboard and
                   text, finer detail for the exercises.
- landscape.png    256x256 RGB: a flat-colour landscape for the colour exercise.
- digit_N_photo.png  synthetic "phone photos" of handwritten digits (paper, uneven light,
                   a pen stroke of varying width, tilt, blur, noise) for notebook 04.

Shapes are drawn SS times larger and shrunk with area averaging, which gives smooth
(anti-aliased) edges, including the edge of the alpha channel.
"""

from pathlib import Path

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
SS = 4  # supersampling factor


def shrink(canvas, size):
    """Area-average a supersampled canvas down to (size, size) or (height, width)."""
    h, w = (size, size) if np.isscalar(size) else size
    return cv2.resize(canvas, (w, h), interpolation=cv2.INTER_AREA)


def pt(x, y):
    """A point in output pixels -> integer canvas pixels (supersampled)."""
    return int(round(x * SS)), int(round(y * SS))


# -- the emoji ----------------------------------------------------------------------------

def smiley(size=256):
    """(size, size, 4) uint8 BGRA: a yellow face with eyes, brows, cheeks and a smile."""
    s = size / 256  # every measurement below is for a 256-pixel picture
    canvas = np.zeros((size * SS, size * SS, 4), np.uint8)  # transparent

    def circle(cx, cy, r, bgr, thickness=-1):
        cv2.circle(canvas, pt(cx * s, cy * s), int(r * s * SS), (*bgr, 255), int(thickness * s * SS)
                   if thickness > 0 else -1, cv2.LINE_AA)

    def ellipse(cx, cy, ax, ay, angle, start, end, bgr, thickness=-1):
        cv2.ellipse(canvas, pt(cx * s, cy * s), (int(ax * s * SS), int(ay * s * SS)), angle, start, end,
                    (*bgr, 255), int(thickness * s * SS) if thickness > 0 else -1, cv2.LINE_AA)

    outline, face, shade = (20, 60, 120), (40, 200, 255), (20, 165, 245)  # BGR
    circle(128, 128, 118, outline)
    circle(128, 128, 110, shade)
    circle(122, 120, 100, face)       # lighter face, shifted: light from the upper left
    # eyes: dark ovals with a white glint
    for ex in (90, 166):
        ellipse(ex, 100, 14, 22, 0, 0, 360, (40, 40, 60))
        circle(ex + 4, 90, 5, (255, 255, 255))
    # eyebrows
    ellipse(90, 72, 20, 9, 0, 200, 340, outline, thickness=5)
    ellipse(166, 72, 20, 9, 0, 200, 340, outline, thickness=5)
    # cheeks
    ellipse(64, 146, 16, 10, 0, 0, 360, (110, 140, 250))
    ellipse(192, 146, 16, 10, 0, 0, 360, (110, 140, 250))
    # the open smile: dark mouth, then a tongue inside it, then the upper teeth
    mouth = np.zeros_like(canvas[:, :, 0])
    cv2.ellipse(mouth, pt(128 * s, 150 * s), (int(62 * s * SS), int(52 * s * SS)), 0, 0, 180, 255, -1,
                cv2.LINE_AA)
    cv2.rectangle(mouth, pt(60 * s, 140 * s), pt(196 * s, 150 * s), 0, -1)  # a flat upper lip line
    tongue = np.zeros_like(mouth)
    cv2.ellipse(tongue, pt(128 * s, 200 * s), (int(34 * s * SS), int(20 * s * SS)), 0, 180, 360, 255, -1,
                cv2.LINE_AA)
    tongue = np.minimum(tongue, mouth)
    teeth = np.zeros_like(mouth)
    cv2.rectangle(teeth, pt(76 * s, 150 * s), pt(180 * s, 164 * s), 255, -1)
    teeth = np.minimum(teeth, mouth)
    for layer, bgr in ((mouth, (30, 30, 90)), (tongue, (110, 90, 235)), (teeth, (250, 250, 250))):
        a = layer[:, :, None] / 255.0
        canvas[:, :, :3] = (canvas[:, :, :3] * (1 - a) + np.array(bgr) * a).astype(np.uint8)
    ellipse(128, 150, 62, 52, 0, 0, 180, outline, thickness=4)  # lips
    return shrink(canvas, size)


# -- the detailed gray pattern -----------------------------------------------------------------

def pattern(size=256):
    """(size, size) uint8: four quadrants of detail at different scales, and text."""
    n = size * SS
    canvas = np.full((n, n), 235, np.uint8)
    yy, xx = (np.mgrid[0:n, 0:n] + 0.5) / n  # [0, 1] each
    half = n // 2
    # top left: vertical stripes whose frequency rises to the right
    q = (slice(0, half), slice(0, half))
    phase = 2 * np.pi * (3 * xx[q] * 2 + 14 * (xx[q] * 2) ** 2)
    canvas[q] = np.where(np.sin(phase) > 0, 30, 225)
    # top right: concentric rings
    q = (slice(0, half), slice(half, n))
    r = np.hypot(xx[q] - 0.75, yy[q] - 0.25)
    canvas[q] = np.where(np.sin(2 * np.pi * r * 24) > 0, 40, 220)
    # bottom left: a checkerboard, tilted by 20 degrees
    q = (slice(half, n), slice(0, half))
    c, s_ = np.cos(np.radians(20)), np.sin(np.radians(20))
    u, v = (xx[q] * c + yy[q] * s_) * 10, (-xx[q] * s_ + yy[q] * c) * 10
    canvas[q] = np.where((np.floor(u) + np.floor(v)) % 2 == 0, 50, 210)
    # bottom right: a smooth radial gradient with a bright square and a dark triangle
    q = (slice(half, n), slice(half, n))
    canvas[q] = (60 + 160 * np.hypot(xx[q] - 0.75, yy[q] - 0.75) / 0.36).clip(0, 255).astype(np.uint8)
    cv2.rectangle(canvas, pt(150, 150), pt(190, 190), 250, -1, cv2.LINE_AA)
    triangle = np.array([pt(200, 240), pt(245, 240), pt(222, 200)], np.int32)
    cv2.fillPoly(canvas, [triangle], 20, cv2.LINE_AA)
    # separators and a label across the middle
    cv2.line(canvas, pt(0, 128), pt(256, 128), 128, 2 * SS)
    cv2.line(canvas, pt(128, 0), pt(128, 256), 128, 2 * SS)
    cv2.rectangle(canvas, pt(84, 112), pt(172, 144), 255, -1)
    cv2.rectangle(canvas, pt(84, 112), pt(172, 144), 0, SS)
    cv2.putText(canvas, "ReLU", pt(93, 138), cv2.FONT_HERSHEY_DUPLEX, 0.9 * SS, 0, 2 * SS, cv2.LINE_AA)
    return shrink(canvas, size)


# -- the colour landscape ---------------------------------------------------------------------

def landscape(size=256):
    """(size, size, 3) uint8 BGR: sky, sun, mountains, hills, a lake and a house."""
    n = size * SS
    yy = (np.mgrid[0:n, 0:n][0] + 0.5) / n
    sky_top, sky_low = np.array([200, 120, 40]), np.array([250, 220, 180])  # BGR
    t = np.clip(yy / 0.6, 0, 1)[:, :, None]
    canvas = (sky_top * (1 - t) + sky_low * t).astype(np.uint8)
    cv2.circle(canvas, pt(196, 62), 26 * SS, (60, 200, 255), -1, cv2.LINE_AA)  # sun
    mountains = np.array([pt(-10, 170), pt(60, 70), pt(110, 140), pt(150, 95), pt(270, 175)], np.int32)
    cv2.fillPoly(canvas, [mountains], (120, 100, 110), cv2.LINE_AA)
    snow = np.array([pt(43, 95), pt(60, 70), pt(77, 95), pt(66, 90), pt(58, 98)], np.int32)
    cv2.fillPoly(canvas, [snow], (250, 250, 250), cv2.LINE_AA)
    xs = np.linspace(-10, 266, 80)
    back_hill = [pt(x, 160 + 14 * np.sin(x / 30)) for x in xs] + [pt(266, 256), pt(-10, 256)]
    cv2.fillPoly(canvas, [np.array(back_hill, np.int32)], (70, 160, 90), cv2.LINE_AA)
    front_hill = [pt(x, 195 + 18 * np.sin(x / 45 + 2)) for x in xs] + [pt(266, 256), pt(-10, 256)]
    cv2.fillPoly(canvas, [np.array(front_hill, np.int32)], (40, 120, 50), cv2.LINE_AA)
    cv2.ellipse(canvas, pt(70, 228), (55 * SS, 14 * SS), 0, 0, 360, (190, 130, 40), -1, cv2.LINE_AA)  # lake
    cv2.rectangle(canvas, pt(160, 160), pt(205, 195), (70, 70, 200), -1, cv2.LINE_AA)  # house
    roof = np.array([pt(154, 162), pt(182, 135), pt(211, 162)], np.int32)
    cv2.fillPoly(canvas, [roof], (40, 40, 110), cv2.LINE_AA)
    cv2.rectangle(canvas, pt(176, 174), pt(189, 195), (30, 60, 100), -1, cv2.LINE_AA)  # door
    cv2.rectangle(canvas, pt(164, 168), pt(173, 177), (200, 240, 250), -1, cv2.LINE_AA)  # window
    return shrink(canvas, size)


# -- synthetic phone photos of handwritten digits -----------------------------------------------

# Each digit as pen strokes: lists of control points in a unit box (x right, y down),
# joined by a smooth curve through them (Catmull-Rom).
DIGIT_STROKES = {
    2: [[(0.18, 0.28), (0.35, 0.08), (0.62, 0.06), (0.80, 0.24), (0.72, 0.48), (0.45, 0.72),
         (0.16, 0.95), (0.50, 0.92), (0.88, 0.93)]],
    3: [[(0.20, 0.18), (0.45, 0.05), (0.74, 0.10), (0.76, 0.32), (0.50, 0.46), (0.42, 0.47),
         (0.56, 0.50), (0.82, 0.64), (0.78, 0.86), (0.50, 0.96), (0.18, 0.86)]],
    4: [[(0.60, 0.04), (0.40, 0.35), (0.14, 0.66), (0.50, 0.66), (0.90, 0.64)],
        [(0.68, 0.32), (0.66, 0.62), (0.66, 0.97)]],
    7: [[(0.12, 0.10), (0.45, 0.08), (0.86, 0.06), (0.66, 0.40), (0.50, 0.70), (0.40, 0.97)],
        [(0.32, 0.52), (0.55, 0.50), (0.74, 0.49)]],
}


def catmull_rom(points, per_segment=40):
    """A smooth curve through ``points`` (k, 2): (m, 2), passing through every point."""
    p = np.asarray(points, np.float64)
    p = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])  # mirror the ends
    t = np.linspace(0, 1, per_segment, endpoint=False)[:, None]
    curve = []
    for i in range(1, len(p) - 2):
        p0, p1, p2, p3 = p[i - 1], p[i], p[i + 1], p[i + 2]
        curve.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                            + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3))
    return np.vstack(curve + [p[-2][None]])


def smooth_noise(rng, shape, scale):
    """Low-frequency noise in about [-1, 1]: random values on a coarse grid, upsampled smoothly."""
    h, w = shape
    coarse = rng.uniform(-1, 1, (max(2, h // scale), max(2, w // scale)))
    return cv2.resize(coarse, (w, h), interpolation=cv2.INTER_CUBIC)


def digit_photo(digit, seed, size=(480, 360), tilt_deg=10.0, ink_bgr=(70, 40, 25)):
    """(height, width, 3) uint8 BGR: a pen-written digit photographed on paper."""
    rng = np.random.default_rng(seed)
    h, w = size
    # The ink: the strokes, with a wobble, drawn as overlapping discs whose radius follows
    # a slowly varying pen pressure; on a mask at twice the resolution.
    up = 2
    ink = np.zeros((h * up, w * up), np.float32)
    box = 0.55 * h * up  # the digit's height
    origin = np.array([w * up / 2 - box * 0.45, h * up / 2 - box / 2])
    for stroke in DIGIT_STROKES[digit]:
        control = np.asarray(stroke) + rng.normal(0, 0.015, (len(stroke), 2))
        curve = catmull_rom(control) * [box * 0.9, box] + origin
        along = np.linspace(0, rng.uniform(2, 4) * np.pi, len(curve))
        pressure = 1 + 0.25 * np.sin(along + rng.uniform(0, 6))
        pressure *= np.linspace(0.75, 1.0, len(curve)) ** 0.5  # lighter where the pen lands
        radius = 0.05 * box * pressure  # a felt pen: strokes as thick, relative to the digit, as MNIST's
        for (x, y), r in zip(curve, radius):
            cv2.circle(ink, (int(x * 4), int(y * 4)), int(r * 4), 1.0, -1, cv2.LINE_AA, shift=2)
    ink = cv2.resize(ink, (w, h), interpolation=cv2.INTER_AREA)
    # The paper: warm off-white with fibres (fine noise) and blotches (coarse noise).
    paper = np.array([205, 222, 232], np.float32) + 6 * smooth_noise(rng, (h, w), 40)[:, :, None]
    paper += rng.normal(0, 2.0, (h, w, 1))
    ink_strength = 0.9 * ink[:, :, None] * (1 + 0.08 * smooth_noise(rng, (h, w), 12)[:, :, None])
    image = paper * (1 - ink_strength) + np.array(ink_bgr, np.float32) * ink_strength
    # The light: brighter on one side, a vignette, and a soft shadow (the phone's) at a corner.
    yy, xx = np.mgrid[0:h, 0:w] / np.array([h, w])[:, None, None]
    angle = rng.uniform(0, 2 * np.pi)
    light = 1.0 + 0.22 * ((xx - 0.5) * np.cos(angle) + (yy - 0.5) * np.sin(angle))
    light -= 0.18 * ((xx - 0.5) ** 2 + (yy - 0.5) ** 2)
    corner = rng.choice([(0, 0), (0, 1), (1, 0), (1, 1)])
    shadow = np.exp(-(((xx - corner[1]) ** 2 + (yy - corner[0]) ** 2) / 0.12))
    light *= 1 - 0.30 * shadow
    image *= light[:, :, None]
    # The photo: a slight perspective tilt and rotation, lens blur, sensor noise.
    tilt = np.radians(rng.uniform(-tilt_deg, tilt_deg))
    corners = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    jitter = rng.uniform(-0.05, 0.05, (4, 2)) * [w, h]
    centre = np.array([w / 2, h / 2])
    rotation = np.array([[np.cos(tilt), -np.sin(tilt)], [np.sin(tilt), np.cos(tilt)]])
    moved = ((corners - centre) @ rotation.T) * 1.12 + centre + jitter  # zoom in so no edge shows
    homography = cv2.getPerspectiveTransform(corners, moved.astype(np.float32))
    image = cv2.warpPerspective(image, homography, (w, h), flags=cv2.INTER_LINEAR,
                                borderMode=cv2.BORDER_REFLECT)
    image = cv2.GaussianBlur(image, (0, 0), sigmaX=rng.uniform(0.9, 1.4))
    image += rng.normal(0, 3.0, image.shape)
    return np.clip(image, 0, 255).astype(np.uint8)


def main():
    written = {
        "smiley.png": smiley(),
        "pattern.png": pattern(),
        "landscape.png": landscape(),
    }
    for seed, digit in enumerate(sorted(DIGIT_STROKES)):
        written[f"digit_{digit}_photo.png"] = digit_photo(digit, seed=1000 + seed)
    for name, image in written.items():
        # Fixed PNG settings, so the same pixels give the same file.
        cv2.imwrite(str(HERE / name), image, [cv2.IMWRITE_PNG_COMPRESSION, 9])
        print(f"wrote {HERE / name}: {image.shape[1]}x{image.shape[0]}, "
              f"{image.shape[2] if image.ndim == 3 else 1} channel(s)")


if __name__ == "__main__":
    main()
