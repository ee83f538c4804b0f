"""Draw the plugin's icon, ``Resources/Icon128.png`` (the Plugins window shows a plugin's 128 x 128 icon from
exactly that path; without it, a default one).

The icon is the source of truth checked into the repository; this script is how it was made, so it can be
changed and made again (``python Plugins/RealtimeNet/tools/make_icon.py``; needs Pillow, in the dev extra).
Drawn at four times the size and scaled down, for smooth edges. Shapes only, no font, so it draws the same
everywhere.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from PIL import Image, ImageDraw

SIZE = 128
SCALE = 4
ICON = Path(__file__).resolve().parent.parent / "Resources" / "Icon128.png"

BACKGROUND = (24, 38, 66, 255)
WAVES = (88, 196, 255, 255)
NODE = (255, 255, 255, 255)
LINK = (255, 196, 64, 255)


def draw() -> Image.Image:
    """The icon: two players (nodes) linked through a gateway that broadcasts (arcs), on a rounded square."""
    big = SIZE * SCALE
    image = Image.new("RGBA", (big, big), (0, 0, 0, 0))
    pen = ImageDraw.Draw(image)
    pen.rounded_rectangle((0, 0, big - 1, big - 1), radius=26 * SCALE, fill=BACKGROUND)
    center = (64 * SCALE, 70 * SCALE)
    for radius in (22, 36, 50):  # the gateway's broadcast, upwards
        r = radius * SCALE
        pen.arc((center[0] - r, center[1] - r, center[0] + r, center[1] + r), start=215, end=325, fill=WAVES,
                width=6 * SCALE)
    left, right = (30 * SCALE, 100 * SCALE), (98 * SCALE, 100 * SCALE)
    pen.line((left, center, right), fill=LINK, width=5 * SCALE, joint="curve")
    for x, y, r in ((*center, 11), (*left, 9), (*right, 9)):
        pen.ellipse((x - r * SCALE, y - r * SCALE, x + r * SCALE, y + r * SCALE), fill=NODE)
    return image.resize((SIZE, SIZE), Image.Resampling.LANCZOS)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=ICON, help="where to write it (default %(default)s)")
    args = parser.parse_args()
    args.output.parent.mkdir(parents=True, exist_ok=True)
    draw().save(args.output, optimize=True)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
